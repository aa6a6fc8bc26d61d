-- +goose Up
-- Report figures per conversation tag.
--
-- A tag's figures are those of the conversations that carry it now:
-- conversations started in the hour, of them missed, their first-response
-- and resolution histograms (the buckets of report_bucket, 00029), and the
-- ratings given in the hour of conversations carrying it. They are sums of
-- the facts (conversation_facts) and the ratings over conversation_tags,
-- kept exactly in step by the triggers below, in the transaction that tags
-- or untags a conversation, changes a fact or a rating: a change takes the
-- old contribution away and adds the new one. report_tag_rollups_rebuild()
-- recomputes them, and report_rebuild() now calls it after the other
-- rollups (the tests compare both after a random history).
--
-- Teams need no table of their own: a team's figures are the sums of its
-- widgets' rows in report_widget_hours, by the widget's team when the
-- report is read.

-- Per UTC hour, widget and tag. report_tag_days is the same by UTC day, so
-- a year is read in days with hours only at its edges (as the agents').
CREATE TABLE report_tag_hours (
    hour          timestamptz NOT NULL,
    widget_id     uuid NOT NULL,
    tag_id        uuid NOT NULL,
    conversations integer NOT NULL DEFAULT 0,
    missed        integer NOT NULL DEFAULT 0,
    frt_hist      integer[] NOT NULL DEFAULT '{}',
    res_hist      integer[] NOT NULL DEFAULT '{}',
    ratings       integer NOT NULL DEFAULT 0,
    score_sum     integer NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, widget_id, tag_id)
);
CREATE TABLE report_tag_days (LIKE report_tag_hours INCLUDING DEFAULTS);
ALTER TABLE report_tag_days RENAME COLUMN hour TO day;
ALTER TABLE report_tag_days ADD PRIMARY KEY (day, widget_id, tag_id);

-- Adds to one tag's hour and day: n conversations (1 or -1; 0 for a
-- rating) of which missed, with a first response in bucket frt_bucket and a
-- resolution in res_bucket (NULL for none), and ratings with their score
-- sum.
-- +goose StatementBegin
CREATE FUNCTION report_tag_add(at timestamptz, w uuid, tag uuid, n integer, missed integer, frt_bucket integer,
                               res_bucket integer, ratings integer, score integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_tag_hours AS r (hour, widget_id, tag_id, conversations, missed, frt_hist, res_hist, ratings, score_sum)
    VALUES (date_trunc('hour', at, 'UTC'), w, tag, n, missed, report_hist_add('{}', frt_bucket, n),
            report_hist_add('{}', res_bucket, n), ratings, score)
    ON CONFLICT (hour, widget_id, tag_id) DO UPDATE
        SET conversations = r.conversations + EXCLUDED.conversations, missed = r.missed + EXCLUDED.missed,
            frt_hist = report_hist_add(r.frt_hist, frt_bucket, n), res_hist = report_hist_add(r.res_hist, res_bucket, n),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum;
    INSERT INTO report_tag_days AS r (day, widget_id, tag_id, conversations, missed, frt_hist, res_hist, ratings, score_sum)
    VALUES (date_trunc('day', at, 'UTC'), w, tag, n, missed, report_hist_add('{}', frt_bucket, n),
            report_hist_add('{}', res_bucket, n), ratings, score)
    ON CONFLICT (day, widget_id, tag_id) DO UPDATE
        SET conversations = r.conversations + EXCLUDED.conversations, missed = r.missed + EXCLUDED.missed,
            frt_hist = report_hist_add(r.frt_hist, frt_bucket, n), res_hist = report_hist_add(r.res_hist, res_bucket, n),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum;
END
$$;
-- +goose StatementEnd

-- Adds sign (1 or -1) times a conversation's facts to one of its tags.
-- +goose StatementBegin
CREATE FUNCTION report_tag_fact_apply(f conversation_facts, tag uuid, sign integer) RETURNS void LANGUAGE sql AS $$
    SELECT report_tag_add(f.created_at, f.widget_id, tag, sign,
                          CASE WHEN cardinality(f.repliers) = 0 THEN sign ELSE 0 END,
                          report_bucket(f.first_response_seconds),
                          report_bucket(extract(epoch FROM f.finished_at - f.created_at)), 0, 0);
$$;
-- +goose StatementEnd

-- Adds sign times a rating to one tag of its conversation, in the hour it
-- was first given.
-- +goose StatementBegin
CREATE FUNCTION report_tag_rating_apply(x conversation_ratings, tag uuid, sign integer) RETURNS void LANGUAGE sql AS $$
    SELECT report_tag_add(x.created_at, x.widget_id, tag, 0, 0, NULL, NULL, sign, x.score * sign);
$$;
-- +goose StatementEnd

-- Adds sign times a conversation's facts and rating, those it has, to one
-- tag.
-- +goose StatementBegin
CREATE FUNCTION report_tag_conversation_apply(c uuid, tag uuid, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_tag_fact_apply(f, tag, sign) FROM conversation_facts f WHERE f.conversation_id = c;
    PERFORM report_tag_rating_apply(x, tag, sign) FROM conversation_ratings x WHERE x.conversation_id = c;
END
$$;
-- +goose StatementEnd

-- The tags of a conversation, read under a share lock of its row: tagging
-- updates that row, so a change of a fact or a rating and a change of the
-- tags of one conversation never miss each other.
-- +goose StatementBegin
CREATE FUNCTION report_tags_of(c uuid) RETURNS SETOF uuid LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM conversations WHERE id = c FOR SHARE;
    RETURN QUERY SELECT tag_id FROM conversation_tags WHERE conversation_id = c;
END
$$;
-- +goose StatementEnd

-- A conversation tagged or untagged: its facts and its rating join or
-- leave the tag's figures. Untagging because the tag itself is deleted
-- does nothing: report_tag_deleted drops the tag's rows at once.
-- +goose StatementBegin
CREATE FUNCTION report_tags_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('livechat.report_rebuild', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.conversation_id = NEW.conversation_id AND OLD.tag_id = NEW.tag_id THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') AND EXISTS (SELECT 1 FROM tags WHERE id = OLD.tag_id) THEN
        PERFORM report_tag_conversation_apply(OLD.conversation_id, OLD.tag_id, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_tag_conversation_apply(NEW.conversation_id, NEW.tag_id, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A conversation's facts changed: its tags' figures move with them. (A
-- new conversation has no tags yet.)
-- +goose StatementBegin
CREATE FUNCTION report_tag_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tag uuid;
BEGIN
    IF current_setting('livechat.report_rebuild', true) = 'on' THEN
        RETURN NULL;
    END IF;
    FOR tag IN SELECT report_tags_of(coalesce(NEW.conversation_id, OLD.conversation_id)) LOOP
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM report_tag_fact_apply(OLD, tag, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM report_tag_fact_apply(NEW, tag, 1);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A rating given, changed or removed: its conversation's tags' figures
-- move with it.
-- +goose StatementBegin
CREATE FUNCTION report_tag_ratings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    tag uuid;
BEGIN
    IF current_setting('livechat.report_rebuild', true) = 'on' THEN
        RETURN NULL;
    END IF;
    FOR tag IN SELECT report_tags_of(coalesce(NEW.conversation_id, OLD.conversation_id)) LOOP
        IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM report_tag_rating_apply(OLD, tag, -1);
        END IF;
        IF TG_OP IN ('UPDATE', 'INSERT') THEN
            PERFORM report_tag_rating_apply(NEW, tag, 1);
        END IF;
    END LOOP;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A deleted tag takes its figures with it.
-- +goose StatementBegin
CREATE FUNCTION report_tag_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM report_tag_hours WHERE tag_id = OLD.id;
    DELETE FROM report_tag_days WHERE tag_id = OLD.id;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- A deleted conversation: its tags go first, while its facts and rating
-- are still there to be taken away from the tags' figures. (The cascades
-- delete the facts, the rating and the tags before any of their row
-- triggers run, so without this neither side would find the other.)
-- +goose StatementBegin
CREATE FUNCTION report_tag_conversation_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM conversation_tags WHERE conversation_id = OLD.id;
    RETURN OLD;
END
$$;
-- +goose StatementEnd

-- Recomputes the tags' rollups from the facts, the ratings and the tags;
-- returns the rows written. Rows are written in key order, like the other
-- rollups.
-- +goose StatementBegin
CREATE FUNCTION report_tag_rollups_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    total bigint;
BEGIN
    DELETE FROM report_tag_hours;
    DELETE FROM report_tag_days;
    INSERT INTO report_tag_hours (hour, widget_id, tag_id, conversations, missed, frt_hist, res_hist)
    SELECT date_trunc('hour', f.created_at, 'UTC'), f.widget_id, ct.tag_id, count(*),
           count(*) FILTER (WHERE cardinality(f.repliers) = 0),
           report_hist(report_bucket(f.first_response_seconds)),
           report_hist(report_bucket(extract(epoch FROM f.finished_at - f.created_at)))
    FROM conversation_tags ct JOIN conversation_facts f ON f.conversation_id = ct.conversation_id
    GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    INSERT INTO report_tag_hours AS r (hour, widget_id, tag_id, ratings, score_sum)
    SELECT date_trunc('hour', x.created_at, 'UTC'), x.widget_id, ct.tag_id, count(*), sum(x.score)
    FROM conversation_tags ct JOIN conversation_ratings x ON x.conversation_id = ct.conversation_id
    GROUP BY 1, 2, 3
    ON CONFLICT (hour, widget_id, tag_id) DO UPDATE SET ratings = EXCLUDED.ratings, score_sum = EXCLUDED.score_sum;
    INSERT INTO report_tag_days (day, widget_id, tag_id, conversations, missed, frt_hist, res_hist, ratings, score_sum)
    SELECT date_trunc('day', hour, 'UTC'), widget_id, tag_id, sum(conversations), sum(missed),
           report_hist_sum(frt_hist), report_hist_sum(res_hist), sum(ratings), sum(score_sum)
    FROM report_tag_hours GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    SELECT (SELECT count(*) FROM report_tag_hours) + (SELECT count(*) FROM report_tag_days) INTO total;
    RETURN total;
END
$$;
-- +goose StatementEnd

-- report_rebuild() as in 00029, with the tags' rollups after the others.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM set_config('livechat.report_rebuild', 'on', true);
    n := conversation_facts_rebuild();
    PERFORM report_rollups_rebuild();
    PERFORM report_tag_rollups_rebuild();
    PERFORM set_config('livechat.report_rebuild', 'off', true);
    RETURN n;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER report_tags_changed AFTER INSERT OR UPDATE OR DELETE ON conversation_tags
    FOR EACH ROW EXECUTE FUNCTION report_tags_changed();
-- A message updates its conversation's facts row; only the changes that
-- move a tag's figures call the function.
CREATE TRIGGER report_tag_facts_changed AFTER DELETE ON conversation_facts
    FOR EACH ROW EXECUTE FUNCTION report_tag_facts_changed();
CREATE TRIGGER report_tag_facts_updated AFTER UPDATE ON conversation_facts
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.widget_id IS DISTINCT FROM NEW.widget_id
                       OR (cardinality(OLD.repliers) = 0) IS DISTINCT FROM (cardinality(NEW.repliers) = 0)
                       OR OLD.first_response_seconds IS DISTINCT FROM NEW.first_response_seconds
                       OR OLD.finished_at IS DISTINCT FROM NEW.finished_at)
    EXECUTE FUNCTION report_tag_facts_changed();
CREATE TRIGGER report_tag_ratings_changed AFTER INSERT OR DELETE ON conversation_ratings
    FOR EACH ROW EXECUTE FUNCTION report_tag_ratings_changed();
CREATE TRIGGER report_tag_ratings_updated AFTER UPDATE ON conversation_ratings
    FOR EACH ROW WHEN (OLD.created_at IS DISTINCT FROM NEW.created_at OR OLD.widget_id IS DISTINCT FROM NEW.widget_id
                       OR OLD.score IS DISTINCT FROM NEW.score)
    EXECUTE FUNCTION report_tag_ratings_changed();
CREATE TRIGGER report_tag_deleted AFTER DELETE ON tags
    FOR EACH ROW EXECUTE FUNCTION report_tag_deleted();
CREATE TRIGGER report_tag_conversation_deleted BEFORE DELETE ON conversations
    FOR EACH ROW EXECUTE FUNCTION report_tag_conversation_deleted();

-- The tags given so far.
SELECT report_tag_rollups_rebuild();

-- +goose Down
DROP TRIGGER report_tag_conversation_deleted ON conversations;
DROP TRIGGER report_tag_deleted ON tags;
DROP TRIGGER report_tag_ratings_updated ON conversation_ratings;
DROP TRIGGER report_tag_ratings_changed ON conversation_ratings;
DROP TRIGGER report_tag_facts_updated ON conversation_facts;
DROP TRIGGER report_tag_facts_changed ON conversation_facts;
DROP TRIGGER report_tags_changed ON conversation_tags;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    PERFORM set_config('livechat.report_rebuild', 'on', true);
    n := conversation_facts_rebuild();
    PERFORM report_rollups_rebuild();
    PERFORM set_config('livechat.report_rebuild', 'off', true);
    RETURN n;
END
$$;
-- +goose StatementEnd
DROP FUNCTION report_tag_rollups_rebuild();
DROP FUNCTION report_tag_conversation_deleted();
DROP FUNCTION report_tag_deleted();
DROP FUNCTION report_tag_ratings_changed();
DROP FUNCTION report_tag_facts_changed();
DROP FUNCTION report_tags_changed();
DROP FUNCTION report_tags_of(uuid);
DROP FUNCTION report_tag_conversation_apply(uuid, uuid, integer);
DROP FUNCTION report_tag_rating_apply(conversation_ratings, uuid, integer);
DROP FUNCTION report_tag_fact_apply(conversation_facts, uuid, integer);
DROP FUNCTION report_tag_add(timestamptz, uuid, uuid, integer, integer, integer, integer, integer, integer);
DROP TABLE report_tag_days;
DROP TABLE report_tag_hours;
