"""Feature attachments (NGW ``feature_attachment``): files attached to features.

Importing :mod:`.api` registers the routes, the ``attachment`` feature extension, the
write-path listener (attachments go with their features) and the resource section hook
(they go with their layer)."""
