"""Content-addressed evidence storage: files kept by their SHA-256, never modified."""

from gawah.vault.blobstore import BlobStore, LocalBlobStore, StoredBlob, hash_file

__all__ = ["BlobStore", "LocalBlobStore", "StoredBlob", "hash_file"]
