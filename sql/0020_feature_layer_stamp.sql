-- Per-layer change counter for vector tile ETags (featuresvc/mvt): bumped by every feature
-- write (featuresvc/feature_layer/write.py listeners), in the writer's transaction.
CREATE TABLE feature_layer_stamp (
    resource_id  integer PRIMARY KEY REFERENCES resource (id) ON DELETE CASCADE,
    stamp        bigint NOT NULL
);
