"""The archive: settings, records, stored files, jobs and the ``congvan`` command line."""
