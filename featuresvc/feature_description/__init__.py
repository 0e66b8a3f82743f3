"""Feature descriptions (NGW ``feature_description``): one HTML text per feature, read and
written as ``extensions.description`` and exported / imported in bulk. Importing
:mod:`.extension` registers the extension, the write-path listener and the section hook."""
