-- Search looks at a bounded window of matches (search.py): title matches first, then
-- keyword matches, then the rest, each found through an index of its own, so that a query
-- matching most of a large catalogue costs no more than one matching a thousand offerings.
ALTER TABLE offerings
    ADD COLUMN title_search tsvector GENERATED ALWAYS AS (
        to_tsvector('finnish', title_fi) || to_tsvector('english', title_en)
        || to_tsvector('swedish', coalesce(title_sv, ''))) STORED,
    ADD COLUMN head_search tsvector GENERATED ALWAYS AS (
        to_tsvector('finnish', title_fi) || to_tsvector('english', title_en)
        || to_tsvector('swedish', coalesce(title_sv, ''))
        || to_tsvector('finnish', keyword_text) || to_tsvector('english', keyword_text)) STORED;

CREATE INDEX offerings_title_search ON offerings USING gin (title_search);
CREATE INDEX offerings_head_search ON offerings USING gin (head_search);

-- The filters' own indexes, so that a rare filter (say, environments in a catalogue of
-- services) finds its few offerings instead of reading every match of the text (search.py
-- tests stages and disciplines with @>, which these GIN indexes serve).
CREATE INDEX offerings_kind ON offerings (kind);
CREATE INDEX offerings_stages ON offerings USING gin (stages);
CREATE INDEX offerings_disciplines ON offerings USING gin (disciplines);
