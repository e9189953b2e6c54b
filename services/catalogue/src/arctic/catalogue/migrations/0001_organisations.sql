-- The RDI organisations of the network; offerings, environments and bookings refer to them.
CREATE TABLE organisations (
    id         uuid PRIMARY KEY,
    short_name text NOT NULL UNIQUE,
    name_fi    text NOT NULL,
    name_en    text NOT NULL
);

-- The four organisations of the Arctic Research Community (agreement signed June 2021).
INSERT INTO organisations (id, short_name, name_fi, name_en) VALUES
    ('0193a1b0-0000-7000-8000-000000000001', 'lapland-uas',
     'Lapin ammattikorkeakoulu', 'Lapland University of Applied Sciences'),
    ('0193a1b0-0000-7000-8000-000000000002', 'ulapland',
     'Lapin yliopisto', 'University of Lapland'),
    ('0193a1b0-0000-7000-8000-000000000003', 'gtk',
     'Geologian tutkimuskeskus', 'Geological Survey of Finland'),
    ('0193a1b0-0000-7000-8000-000000000004', 'luke',
     'Luonnonvarakeskus', 'Natural Resources Institute Finland');
