"""Loading layers from GIS files (pyogrio/GDAL): ``vector_layer.source``, ``inspect``, the
``featuresvc import`` command and import sessions. Public entry points: :mod:`.service`."""
