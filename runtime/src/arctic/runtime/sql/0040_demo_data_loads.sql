-- Which demo data sets this service has loaded: a set is loaded once per database, however
-- often and by however many replicas the service is started (see arctic.runtime.demo).
CREATE TABLE demo_data_loads (
    name      text PRIMARY KEY,
    loaded_at timestamptz NOT NULL
);
