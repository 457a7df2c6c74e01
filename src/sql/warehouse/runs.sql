-- One row per published run of one output (pipeline = the absolute --out
-- path), keyed by its as-of date: a re-run of the same date replaces its row.
CREATE TABLE IF NOT EXISTS warehouse.runs (
  pipeline VARCHAR NOT NULL,
  as_of DATE NOT NULL,
  command VARCHAR NOT NULL,
  -- NULL for the discover run a refresh started from
  retrained BOOLEAN,
  -- as-of date of the model that produced the segments
  model_as_of DATE,
  customers INTEGER NOT NULL,
  k INTEGER NOT NULL,
  input_sha256 VARCHAR,
  max_psi DOUBLE,
  max_centroid_shift DOUBLE,
  -- customers in another segment than at the previous run (NULL without a previous run)
  moved INTEGER,
  published_at TIMESTAMP,
  segmenta_version VARCHAR,
  PRIMARY KEY (pipeline, as_of)
);
