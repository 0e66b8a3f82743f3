-- Feature descriptions (featuresvc.feature_description, NGW feature_description): one
-- sanitised HTML text per feature; deleted with the feature, all features or the layer.
CREATE TABLE feature_description (
    resource_id integer NOT NULL REFERENCES resource (id) ON DELETE CASCADE,
    feature_id  integer NOT NULL,
    value       text NOT NULL,
    PRIMARY KEY (resource_id, feature_id)
);
