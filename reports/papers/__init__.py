"""Board papers: the snapshot of the data, and its renderers.

* ``snapshot``  — ``build_snapshot(paper, user=...)``: the paper's text and the appendices' data,
  built once (from the dashboards' builders) into plain JSON, frozen with an issued paper.
* ``context``   — from a snapshot to what the templates print (matrices, lists, charts).
* ``render``    — the HTML (preview and print) and the PDF (WeasyPrint).
* ``exports``   — Excel (openpyxl) and CSV of the same data.
* ``key``       — the key to the ratings: colours, letters, tolerance, how Amber is decided.
* ``builds``    — building the PDF outside the request, with progress; issuing.
* ``issuing``   — what was restated since a paper was issued.
* ``services``  — every write of the composing pages: meetings, agenda items, papers, sections.
* ``forms``     — the pages' forms.
"""
