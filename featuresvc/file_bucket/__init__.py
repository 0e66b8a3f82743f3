"""File buckets (NGW plugin ``nextgisweb_file_bucket``): named files kept in a resource."""
