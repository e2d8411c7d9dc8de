"""Pictures and clips: uploads checked by content and re-encoded (``imaging``), direct uploads
to storage finished by ``/complete``, and the garbage collection of what nothing uses. Bytes go
through the storage adapter; the database keeps only what describes them."""
