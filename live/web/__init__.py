"""The HTTP edge: thin handlers that translate requests and delegate."""
