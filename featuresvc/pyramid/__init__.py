"""System routes (NGW's "pyramid" component): versions, route table, ping, healthcheck."""
