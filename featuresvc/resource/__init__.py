"""The resource tree: classes, documents, ACLs, search and the resource API."""
