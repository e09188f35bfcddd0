"""Installers: the offline bundle builder (``python -m install.bundle``) and the installer run on the
user's PC (``install/pe_install.py``, also run as a plain script by the .bat/.command files)."""
