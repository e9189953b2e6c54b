-- Offerings: the organisations' productized services and development environments, in
-- Finnish and English (Swedish optional), from draft through published to retired.
-- `version` counts an offering's changes: a change is saved only over the version it was read
-- at (optimistic concurrency), and events carry it.
CREATE TABLE offerings (
    id                uuid        PRIMARY KEY,
    kind              text        NOT NULL CHECK (kind IN ('service', 'environment')),
    organisation_id   uuid        NOT NULL REFERENCES organisations (id),
    title_fi          text        NOT NULL,
    title_en          text        NOT NULL,
    title_sv          text,
    description_fi    text        NOT NULL,
    description_en    text        NOT NULL,
    description_sv    text,
    disciplines       text[]      NOT NULL DEFAULT '{}',
    keywords          text[]      NOT NULL DEFAULT '{}',
    stages            text[]      NOT NULL,
    trl_min           integer     NOT NULL CHECK (trl_min BETWEEN 1 AND 9),
    trl_max           integer     NOT NULL CHECK (trl_max BETWEEN trl_min AND 9),
    pricing           text        NOT NULL CHECK (pricing IN ('free', 'subsidised', 'commercial')),
    prices            jsonb       NOT NULL DEFAULT '{}',
    lead_time_days    integer     NOT NULL CHECK (lead_time_days >= 0),
    contact_email     text        NOT NULL,
    -- Environments only (NULL for services).
    location          text,
    bookable_unit     text        CHECK (bookable_unit IN ('hour', 'day')),
    capacity          integer     CHECK (capacity > 0),
    owner_approves    boolean,
    training_required boolean,
    status            text        NOT NULL DEFAULT 'draft'
                                  CHECK (status IN ('draft', 'published', 'retired')),
    version           integer     NOT NULL DEFAULT 1,
    created_at        timestamptz NOT NULL,
    published_at      timestamptz,
    retired_at        timestamptz,
    retire_reason     text,
    -- The keywords as one text, and the base forms and compound parts of the Finnish words
    -- (Voikko, at write time): Finnish compounds ("rikastushiekka") are found by their parts
    -- ("hiekka"), which the snowball stemmer does not split.
    keyword_text      text        NOT NULL DEFAULT '',
    analysed_terms    text        NOT NULL DEFAULT '',
    -- One vector for every language, so that a query in any of them finds the offering:
    -- each text stemmed by PostgreSQL's own configuration of its language, weighted title (A)
    -- > keywords (B) > description (C), and the analysed Finnish terms (D).
    search tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('finnish', title_fi), 'A')
        || setweight(to_tsvector('english', title_en), 'A')
        || setweight(to_tsvector('swedish', coalesce(title_sv, '')), 'A')
        || setweight(to_tsvector('finnish', keyword_text), 'B')
        || setweight(to_tsvector('english', keyword_text), 'B')
        || setweight(to_tsvector('finnish', description_fi), 'C')
        || setweight(to_tsvector('english', description_en), 'C')
        || setweight(to_tsvector('swedish', coalesce(description_sv, '')), 'C')
        || setweight(to_tsvector('simple', analysed_terms), 'D')) STORED,
    -- What the typo-tolerant fallback (pg_trgm) compares a query with.
    trigram_text      text GENERATED ALWAYS AS (
        title_fi || ' ' || title_en || ' ' || keyword_text) STORED,
    CHECK ((kind = 'environment') = (bookable_unit IS NOT NULL AND capacity IS NOT NULL
        AND owner_approves IS NOT NULL AND training_required IS NOT NULL))
);

CREATE INDEX offerings_search ON offerings USING gin (search);
CREATE INDEX offerings_trigram ON offerings USING gin (trigram_text gin_trgm_ops);
CREATE INDEX offerings_listing ON offerings (status, created_at, id);
CREATE INDEX offerings_by_organisation ON offerings (organisation_id, created_at, id);

-- Funding instruments as data: amounts and calls change over time, the matching rules do not.
CREATE TABLE funding_instruments (
    id                     uuid    PRIMARY KEY,
    name                   text    NOT NULL UNIQUE,
    provider               text    NOT NULL,
    description            text    NOT NULL,
    stages                 text[]  NOT NULL,
    max_company_age_years  integer,
    max_employees          integer,
    max_amount_eur         numeric,
    max_rate_percent       numeric,
    buys_research_services boolean NOT NULL,
    cross_border           boolean NOT NULL,
    url                    text    NOT NULL
);
