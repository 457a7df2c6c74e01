-- Population stability index of every clustering feature per refresh
-- (against the training deciles of the model that scored the run).
CREATE TABLE IF NOT EXISTS warehouse.feature_drift (
  pipeline VARCHAR NOT NULL,
  as_of DATE NOT NULL,
  feature VARCHAR NOT NULL,
  psi DOUBLE NOT NULL,
  PRIMARY KEY (pipeline, as_of, feature)
);
