-- +goose Up
-- Report rollups: what the reports read, so that a year of a busy site's
-- history is a few thousand rows, not a million.
--
-- The rollups are sums of the per-conversation facts (conversation_facts,
-- 00019) and the ratings, kept exactly in step with them by the triggers
-- below, in the transaction that changes a fact or a rating: a change
-- subtracts the row's old contribution and adds its new one, so the sums
-- can never drift, and report_rollups_rebuild() recomputes every rollup from
-- the facts (the tests check both give the same rows after a random history
-- with reopens and reassignments).
--
-- A conversation counts in the UTC hour it started (and in that day); a
-- rating in the hour it was first given. Response and resolution times are
-- kept as counts, sums and a fixed log-scale histogram: bucket 1 holds
-- times under one second and bucket k >= 2 the times in
-- [2^((k-2)/4), 2^((k-1)/4)) seconds, so a bucket is 19 % wide and a
-- percentile read from the histogram is within one bucket of the exact one
-- (report_bucket; see docs/reports.md).

-- The first response in working time, in seconds: all hours, or only those
-- inside the widget's business hours when it has them. Computed when the
-- first reply is written, with the schedule of that moment.
ALTER TABLE conversation_facts ADD COLUMN first_response_seconds double precision;

-- The seconds between two instants that fall inside a widget's business
-- hours (all of them when the widget has none), following the schedule's
-- time zone, open period per weekday and holidays.
-- +goose StatementBegin
CREATE FUNCTION report_working_seconds(w uuid, t0 timestamptz, t1 timestamptz) RETURNS double precision
LANGUAGE plpgsql STABLE AS $$
DECLARE
    r     widget_routing;
    d     date;
    last  date;
    total double precision := 0;
    p     jsonb;
    o     timestamptz;
    c     timestamptz;
BEGIN
    IF t1 <= t0 THEN
        RETURN 0;
    END IF;
    SELECT * INTO r FROM widget_routing WHERE widget_id = w;
    IF NOT FOUND OR NOT r.hours_enabled THEN
        RETURN extract(epoch FROM t1 - t0);
    END IF;
    d := (t0 AT TIME ZONE r.time_zone)::date;
    last := (t1 AT TIME ZONE r.time_zone)::date;
    WHILE d <= last LOOP
        IF NOT d = ANY (r.holidays) THEN
            FOR p IN SELECT e FROM jsonb_array_elements(r.days) e WHERE (e ->> 'day')::int = extract(dow FROM d) LOOP
                o := (d + make_interval(mins => (p ->> 'open')::int)) AT TIME ZONE r.time_zone;
                c := (d + make_interval(mins => (p ->> 'close')::int)) AT TIME ZONE r.time_zone;
                total := total + greatest(0, extract(epoch FROM least(c, t1) - greatest(o, t0)));
            END LOOP;
        END IF;
        d := d + 1;
    END LOOP;
    RETURN total;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION conversation_facts_working_time() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.first_customer_at IS NULL OR NEW.first_reply_at IS NULL THEN
        NEW.first_response_seconds := NULL;
    ELSIF TG_OP = 'INSERT' OR OLD.first_reply_at IS DISTINCT FROM NEW.first_reply_at
          OR OLD.first_customer_at IS DISTINCT FROM NEW.first_customer_at THEN
        NEW.first_response_seconds := report_working_seconds(NEW.widget_id, NEW.first_customer_at, NEW.first_reply_at);
    END IF;
    RETURN NEW;
END
$$;
-- +goose StatementEnd
CREATE TRIGGER conversation_facts_working_time BEFORE INSERT OR UPDATE ON conversation_facts
    FOR EACH ROW EXECUTE FUNCTION conversation_facts_working_time();

-- The histogram bucket of a duration in seconds (NULL for none).
CREATE FUNCTION report_bucket(s double precision) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN CASE WHEN s < 1 THEN 1 ELSE 2 + floor(4 * ln(s) / ln(2))::int END;

-- h with d added to bucket i (1-based; the array grows with zeros).
-- +goose StatementBegin
CREATE FUNCTION report_hist_add(h integer[], i integer, d integer) RETURNS integer[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
BEGIN
    IF i IS NULL OR d = 0 THEN
        RETURN h;
    END IF;
    h := coalesce(h, '{}');
    IF coalesce(cardinality(h), 0) < i THEN
        h := h || array_fill(0, ARRAY[i - coalesce(cardinality(h), 0)]);
    END IF;
    h[i] := h[i] + d;
    RETURN h;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_hist_step(h integer[], i integer) RETURNS integer[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT report_hist_add(h, i, 1) $$;
-- +goose StatementEnd
-- The histogram of a set of buckets (for the rebuild).
CREATE AGGREGATE report_hist(integer) (SFUNC = report_hist_step, STYPE = integer[], INITCOND = '{}');

-- Per UTC hour and widget: the conversations started in it and what became
-- of them, and the ratings given in it.
CREATE TABLE report_widget_hours (
    hour          timestamptz NOT NULL,
    widget_id     uuid NOT NULL,
    conversations integer NOT NULL DEFAULT 0,
    missed        integer NOT NULL DEFAULT 0,
    resolved      integer NOT NULL DEFAULT 0,
    res_ms        bigint NOT NULL DEFAULT 0,
    res_hist      integer[] NOT NULL DEFAULT '{}',
    frt_n         integer NOT NULL DEFAULT 0,
    frt_ms        bigint NOT NULL DEFAULT 0,
    frt_hist      integer[] NOT NULL DEFAULT '{}',
    ratings       integer NOT NULL DEFAULT 0,
    score_sum     integer NOT NULL DEFAULT 0,
    -- Ratings of each score, 1 to 5.
    scores        integer[] NOT NULL DEFAULT '{0,0,0,0,0}',
    PRIMARY KEY (hour, widget_id)
);

-- Messages per UTC hour and widget of the conversations started in it,
-- spread over eight rows by conversation so concurrent messages of
-- different conversations rarely wait for each other's row.
CREATE TABLE report_message_hours (
    hour      timestamptz NOT NULL,
    widget_id uuid NOT NULL,
    shard     smallint NOT NULL,
    messages  bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, widget_id, shard)
);

-- Per agent, UTC hour and widget: conversations started in the hour the
-- agent replied in, first responses the agent gave in them, and ratings
-- given in the hour about the agent. report_agent_days is the same by UTC
-- day, so a year is read in days with hours only at its edges.
CREATE TABLE report_agent_hours (
    hour      timestamptz NOT NULL,
    widget_id uuid NOT NULL,
    agent_id  uuid NOT NULL,
    handled   integer NOT NULL DEFAULT 0,
    frt_n     integer NOT NULL DEFAULT 0,
    frt_hist  integer[] NOT NULL DEFAULT '{}',
    ratings   integer NOT NULL DEFAULT 0,
    score_sum integer NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, widget_id, agent_id)
);
CREATE TABLE report_agent_days (LIKE report_agent_hours INCLUDING DEFAULTS);
ALTER TABLE report_agent_days RENAME COLUMN hour TO day;
ALTER TABLE report_agent_days ADD PRIMARY KEY (day, widget_id, agent_id);

-- Adds one agent's part of a conversation or a rating to its hour and day:
-- handled, a first response in bucket frt_bucket (counted frt times), ratings
-- and their score sum; negative to take it away.
-- +goose StatementBegin
CREATE FUNCTION report_agent_add(at timestamptz, w uuid, a uuid, handled integer, frt_bucket integer, frt integer,
                                 ratings integer, score integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_agent_hours AS r (hour, widget_id, agent_id, handled, frt_n, frt_hist, ratings, score_sum)
    VALUES (date_trunc('hour', at, 'UTC'), w, a, handled, frt, report_hist_add('{}', frt_bucket, frt), ratings, score)
    ON CONFLICT (hour, widget_id, agent_id) DO UPDATE
        SET handled = r.handled + EXCLUDED.handled, frt_n = r.frt_n + EXCLUDED.frt_n,
            frt_hist = report_hist_add(r.frt_hist, frt_bucket, frt),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum;
    INSERT INTO report_agent_days AS r (day, widget_id, agent_id, handled, frt_n, frt_hist, ratings, score_sum)
    VALUES (date_trunc('day', at, 'UTC'), w, a, handled, frt, report_hist_add('{}', frt_bucket, frt), ratings, score)
    ON CONFLICT (day, widget_id, agent_id) DO UPDATE
        SET handled = r.handled + EXCLUDED.handled, frt_n = r.frt_n + EXCLUDED.frt_n,
            frt_hist = report_hist_add(r.frt_hist, frt_bucket, frt),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum;
END
$$;
-- +goose StatementEnd

-- Adds sign (1 or -1) times a conversation's facts to the rollups.
-- +goose StatementBegin
CREATE FUNCTION report_fact_apply(f conversation_facts, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    h     timestamptz := date_trunc('hour', f.created_at, 'UTC');
    res   double precision := extract(epoch FROM f.finished_at - f.created_at);
    frt_b integer := report_bucket(f.first_response_seconds);
    res_b integer := report_bucket(res);
    a     uuid;
BEGIN
    INSERT INTO report_widget_hours AS r (hour, widget_id, conversations, missed, resolved, res_ms, res_hist, frt_n, frt_ms, frt_hist)
    VALUES (h, f.widget_id, sign,
            CASE WHEN cardinality(f.repliers) = 0 THEN sign ELSE 0 END,
            CASE WHEN f.finished_at IS NOT NULL THEN sign ELSE 0 END,
            coalesce(round(res * 1000)::bigint, 0) * sign, report_hist_add('{}', res_b, sign),
            CASE WHEN f.first_response_seconds IS NOT NULL THEN sign ELSE 0 END,
            coalesce(round(f.first_response_seconds * 1000)::bigint, 0) * sign, report_hist_add('{}', frt_b, sign))
    ON CONFLICT (hour, widget_id) DO UPDATE
        SET conversations = r.conversations + EXCLUDED.conversations, missed = r.missed + EXCLUDED.missed,
            resolved = r.resolved + EXCLUDED.resolved, res_ms = r.res_ms + EXCLUDED.res_ms,
            res_hist = report_hist_add(r.res_hist, res_b, sign),
            frt_n = r.frt_n + EXCLUDED.frt_n, frt_ms = r.frt_ms + EXCLUDED.frt_ms,
            frt_hist = report_hist_add(r.frt_hist, frt_b, sign);
    IF f.messages <> 0 THEN
        PERFORM report_messages_add(f, f.messages * sign);
    END IF;
    FOREACH a IN ARRAY f.repliers LOOP
        PERFORM report_agent_add(f.created_at, f.widget_id, a, sign,
                                 CASE WHEN a = f.first_reply_agent THEN frt_b END,
                                 CASE WHEN a = f.first_reply_agent AND frt_b IS NOT NULL THEN sign ELSE 0 END, 0, 0);
    END LOOP;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_messages_add(f conversation_facts, n bigint) RETURNS void LANGUAGE sql AS $$
    INSERT INTO report_message_hours AS r (hour, widget_id, shard, messages)
    VALUES (date_trunc('hour', f.created_at, 'UTC'), f.widget_id, hashtext(f.conversation_id::text) & 7, n)
    ON CONFLICT (hour, widget_id, shard) DO UPDATE SET messages = r.messages + EXCLUDED.messages;
$$;
-- +goose StatementEnd

-- Adds sign times a rating to the rollups, in the hour it was first given.
-- +goose StatementBegin
CREATE FUNCTION report_rating_apply(x conversation_ratings, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_widget_hours AS r (hour, widget_id, ratings, score_sum, scores)
    VALUES (date_trunc('hour', x.created_at, 'UTC'), x.widget_id, sign, x.score * sign,
            report_hist_add('{0,0,0,0,0}', x.score, sign))
    ON CONFLICT (hour, widget_id) DO UPDATE
        SET ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum,
            scores = report_hist_add(r.scores, x.score, sign);
    IF x.agent_id IS NOT NULL THEN
        PERFORM report_agent_add(x.created_at, x.widget_id, x.agent_id, 0, NULL, 0, sign, x.score * sign);
    END IF;
END
$$;
-- +goose StatementEnd

-- The triggers: a change takes the old row's part away and adds the new
-- one's. A message changes only a conversation's message count, which
-- touches one small row. Skipped while report_rebuild() recomputes
-- everything at once.
-- +goose StatementBegin
CREATE FUNCTION report_facts_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('livechat.report_rebuild', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP = 'UPDATE' AND OLD.created_at = NEW.created_at AND OLD.widget_id = NEW.widget_id
       AND OLD.repliers = NEW.repliers AND OLD.first_reply_agent IS NOT DISTINCT FROM NEW.first_reply_agent
       AND OLD.first_response_seconds IS NOT DISTINCT FROM NEW.first_response_seconds
       AND OLD.finished_at IS NOT DISTINCT FROM NEW.finished_at THEN
        IF OLD.messages <> NEW.messages THEN
            PERFORM report_messages_add(NEW, NEW.messages - OLD.messages);
        END IF;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_fact_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_fact_apply(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION report_ratings_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('livechat.report_rebuild', true) = 'on' THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM report_rating_apply(OLD, -1);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        PERFORM report_rating_apply(NEW, 1);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

-- The elementwise sum of histograms (for the rebuild's days).
-- +goose StatementBegin
CREATE FUNCTION report_hist_plus(a integer[], b integer[]) RETURNS integer[] LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    i integer;
BEGIN
    FOR i IN 1 .. coalesce(cardinality(b), 0) LOOP
        IF b[i] <> 0 THEN
            a := report_hist_add(a, i, b[i]);
        END IF;
    END LOOP;
    RETURN a;
END
$$;
-- +goose StatementEnd
CREATE AGGREGATE report_hist_sum(integer[]) (SFUNC = report_hist_plus, STYPE = integer[], INITCOND = '{}');

-- Recomputes every rollup from the facts and the ratings; returns the rows
-- written. Rows are written in key order, so a range of hours is read from
-- consecutive pages (new hours are appended in that order too); without
-- it a cold 30-day report read three times as long at 1,000,000
-- conversations.
-- +goose StatementBegin
CREATE FUNCTION report_rollups_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    total bigint := 0;
BEGIN
    DELETE FROM report_widget_hours;
    DELETE FROM report_message_hours;
    DELETE FROM report_agent_hours;
    DELETE FROM report_agent_days;
    INSERT INTO report_widget_hours (hour, widget_id, conversations, missed, resolved, res_ms, res_hist, frt_n, frt_ms, frt_hist)
    SELECT date_trunc('hour', created_at, 'UTC'), widget_id, count(*), count(*) FILTER (WHERE cardinality(repliers) = 0),
           count(finished_at), coalesce(sum(round(extract(epoch FROM finished_at - created_at) * 1000)::bigint), 0),
           report_hist(report_bucket(extract(epoch FROM finished_at - created_at))),
           count(first_response_seconds), coalesce(sum(round(first_response_seconds * 1000)::bigint), 0),
           report_hist(report_bucket(first_response_seconds))
    FROM conversation_facts GROUP BY 1, 2 ORDER BY 1, 2;
    INSERT INTO report_widget_hours AS r (hour, widget_id, ratings, score_sum, scores)
    SELECT date_trunc('hour', created_at, 'UTC'), widget_id, count(*), sum(score),
           ARRAY[count(*) FILTER (WHERE score = 1), count(*) FILTER (WHERE score = 2), count(*) FILTER (WHERE score = 3),
                 count(*) FILTER (WHERE score = 4), count(*) FILTER (WHERE score = 5)]::integer[]
    FROM conversation_ratings GROUP BY 1, 2
    ON CONFLICT (hour, widget_id) DO UPDATE
        SET ratings = EXCLUDED.ratings, score_sum = EXCLUDED.score_sum, scores = EXCLUDED.scores;
    GET DIAGNOSTICS n = ROW_COUNT;
    INSERT INTO report_message_hours (hour, widget_id, shard, messages)
    SELECT date_trunc('hour', created_at, 'UTC'), widget_id, hashtext(conversation_id::text) & 7, sum(messages)
    FROM conversation_facts WHERE messages <> 0 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    INSERT INTO report_agent_hours (hour, widget_id, agent_id, handled, frt_n, frt_hist)
    SELECT date_trunc('hour', f.created_at, 'UTC'), f.widget_id, a, count(*),
           count(*) FILTER (WHERE a = f.first_reply_agent AND f.first_response_seconds IS NOT NULL),
           report_hist(CASE WHEN a = f.first_reply_agent THEN report_bucket(f.first_response_seconds) END)
    FROM conversation_facts f, unnest(f.repliers) a GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    INSERT INTO report_agent_hours AS r (hour, widget_id, agent_id, ratings, score_sum)
    SELECT date_trunc('hour', created_at, 'UTC'), widget_id, agent_id, count(*), sum(score)
    FROM conversation_ratings WHERE agent_id IS NOT NULL GROUP BY 1, 2, 3
    ON CONFLICT (hour, widget_id, agent_id) DO UPDATE SET ratings = EXCLUDED.ratings, score_sum = EXCLUDED.score_sum;
    INSERT INTO report_agent_days (day, widget_id, agent_id, handled, frt_n, frt_hist, ratings, score_sum)
    SELECT date_trunc('day', hour, 'UTC'), widget_id, agent_id, sum(handled), sum(frt_n), report_hist_sum(frt_hist),
           sum(ratings), sum(score_sum)
    FROM report_agent_hours GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    SELECT (SELECT count(*) FROM report_widget_hours) + (SELECT count(*) FROM report_message_hours)
         + (SELECT count(*) FROM report_agent_hours) + (SELECT count(*) FROM report_agent_days) INTO total;
    RETURN total;
END
$$;
-- +goose StatementEnd

-- Recomputes the facts from the messages and the rollups from the facts,
-- in one go (after a bulk import, or to check them); returns the
-- conversations covered.
-- +goose StatementBegin
CREATE FUNCTION report_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
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

-- The facts that exist already get their working-time first responses,
-- then the rollups.
UPDATE conversation_facts SET first_response_seconds = report_working_seconds(widget_id, first_customer_at, first_reply_at)
WHERE first_customer_at IS NOT NULL AND first_reply_at IS NOT NULL;

CREATE TRIGGER report_facts_changed AFTER INSERT OR UPDATE OR DELETE ON conversation_facts
    FOR EACH ROW EXECUTE FUNCTION report_facts_changed();
CREATE TRIGGER report_ratings_changed AFTER INSERT OR UPDATE OR DELETE ON conversation_ratings
    FOR EACH ROW EXECUTE FUNCTION report_ratings_changed();

SELECT report_rollups_rebuild();

-- +goose Down
DROP TRIGGER report_ratings_changed ON conversation_ratings;
DROP TRIGGER report_facts_changed ON conversation_facts;
DROP TRIGGER conversation_facts_working_time ON conversation_facts;
DROP FUNCTION report_rebuild();
DROP FUNCTION report_rollups_rebuild();
DROP AGGREGATE report_hist_sum(integer[]);
DROP FUNCTION report_hist_plus(integer[], integer[]);
DROP FUNCTION report_ratings_changed();
DROP FUNCTION report_facts_changed();
DROP FUNCTION report_rating_apply(conversation_ratings, integer);
DROP FUNCTION report_fact_apply(conversation_facts, integer);
DROP FUNCTION report_messages_add(conversation_facts, bigint);
DROP FUNCTION report_agent_add(timestamptz, uuid, uuid, integer, integer, integer, integer, integer);
DROP TABLE report_agent_days;
DROP TABLE report_agent_hours;
DROP TABLE report_message_hours;
DROP TABLE report_widget_hours;
DROP AGGREGATE report_hist(integer);
DROP FUNCTION report_hist_step(integer[], integer);
DROP FUNCTION report_hist_add(integer[], integer, integer);
DROP FUNCTION report_bucket(double precision);
DROP FUNCTION conversation_facts_working_time();
DROP FUNCTION report_working_seconds(uuid, timestamptz, timestamptz);
ALTER TABLE conversation_facts DROP COLUMN first_response_seconds;
