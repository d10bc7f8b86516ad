"""Settings split by environment: base, local (the default), test and production."""
