-- Size and revenue of every segment of every run: the segment growth chart.
CREATE TABLE IF NOT EXISTS warehouse.segment_sizes (
  pipeline VARCHAR NOT NULL,
  as_of DATE NOT NULL,
  segment_id INTEGER NOT NULL,
  segment VARCHAR NOT NULL,
  customers INTEGER NOT NULL,
  share DOUBLE NOT NULL,
  revenue DOUBLE NOT NULL,
  revenue_share DOUBLE NOT NULL,
  PRIMARY KEY (pipeline, as_of, segment_id)
);
