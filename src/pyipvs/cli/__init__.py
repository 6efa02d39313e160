"""Command-line tools built on pyipvs (``pyipvsadm``)."""
