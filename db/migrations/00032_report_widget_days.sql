-- +goose Up
-- A daily widget rollup, so that a year's report reads a few hundred day
-- rows per widget instead of thousands of hours (see docs/reports.md).
--
-- report_widget_days is report_widget_hours summed by UTC day, kept in step
-- by the same triggers in the same transaction: a conversation's facts or a
-- rating add to (or take from) their hour and their day together. Messages
-- stay in report_message_hours only, so a message still touches one row: a
-- day row changes when a conversation starts, is answered, resolved,
-- reopened or rated, never per message. report_rollups_rebuild() recomputes
-- the days with the hours.
CREATE TABLE report_widget_days (LIKE report_widget_hours INCLUDING DEFAULTS);
ALTER TABLE report_widget_days RENAME COLUMN hour TO day;
ALTER TABLE report_widget_days ADD PRIMARY KEY (day, widget_id);

-- Adds to a widget's hour and day of at: the counts and sums as given, and
-- sign in histogram buckets res_b and frt_b and in score (each skipped when
-- NULL).
-- +goose StatementBegin
CREATE FUNCTION report_widget_add(at timestamptz, w uuid, sign integer, conversations integer, missed integer,
                                  resolved integer, res_ms bigint, res_b integer, frt_n integer, frt_ms bigint,
                                  frt_b integer, ratings integer, score_sum integer, score integer)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_widget_hours AS r (hour, widget_id, conversations, missed, resolved, res_ms, res_hist,
                                          frt_n, frt_ms, frt_hist, ratings, score_sum, scores)
    VALUES (date_trunc('hour', at, 'UTC'), w, conversations, missed, resolved, res_ms, report_hist_add('{}', res_b, sign),
            frt_n, frt_ms, report_hist_add('{}', frt_b, sign), ratings, score_sum, report_hist_add('{0,0,0,0,0}', score, sign))
    ON CONFLICT (hour, widget_id) DO UPDATE
        SET conversations = r.conversations + EXCLUDED.conversations, missed = r.missed + EXCLUDED.missed,
            resolved = r.resolved + EXCLUDED.resolved, res_ms = r.res_ms + EXCLUDED.res_ms,
            res_hist = report_hist_add(r.res_hist, res_b, sign),
            frt_n = r.frt_n + EXCLUDED.frt_n, frt_ms = r.frt_ms + EXCLUDED.frt_ms,
            frt_hist = report_hist_add(r.frt_hist, frt_b, sign),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum,
            scores = report_hist_add(r.scores, score, sign);
    INSERT INTO report_widget_days AS r (day, widget_id, conversations, missed, resolved, res_ms, res_hist,
                                         frt_n, frt_ms, frt_hist, ratings, score_sum, scores)
    VALUES (date_trunc('day', at, 'UTC'), w, conversations, missed, resolved, res_ms, report_hist_add('{}', res_b, sign),
            frt_n, frt_ms, report_hist_add('{}', frt_b, sign), ratings, score_sum, report_hist_add('{0,0,0,0,0}', score, sign))
    ON CONFLICT (day, widget_id) DO UPDATE
        SET conversations = r.conversations + EXCLUDED.conversations, missed = r.missed + EXCLUDED.missed,
            resolved = r.resolved + EXCLUDED.resolved, res_ms = r.res_ms + EXCLUDED.res_ms,
            res_hist = report_hist_add(r.res_hist, res_b, sign),
            frt_n = r.frt_n + EXCLUDED.frt_n, frt_ms = r.frt_ms + EXCLUDED.frt_ms,
            frt_hist = report_hist_add(r.frt_hist, frt_b, sign),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum,
            scores = report_hist_add(r.scores, score, sign);
END
$$;
-- +goose StatementEnd

-- As in 00029, with the widget's part going to its hour and its day.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_fact_apply(f conversation_facts, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    res   double precision := extract(epoch FROM f.finished_at - f.created_at);
    frt_b integer := report_bucket(f.first_response_seconds);
    res_b integer := report_bucket(res);
    a     uuid;
BEGIN
    PERFORM report_widget_add(f.created_at, f.widget_id, sign, sign,
                              CASE WHEN cardinality(f.repliers) = 0 THEN sign ELSE 0 END,
                              CASE WHEN f.finished_at IS NOT NULL THEN sign ELSE 0 END,
                              coalesce(round(res * 1000)::bigint, 0) * sign, res_b,
                              CASE WHEN f.first_response_seconds IS NOT NULL THEN sign ELSE 0 END,
                              coalesce(round(f.first_response_seconds * 1000)::bigint, 0) * sign, frt_b, 0, 0, NULL);
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
CREATE OR REPLACE FUNCTION report_rating_apply(x conversation_ratings, sign integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM report_widget_add(x.created_at, x.widget_id, sign, 0, 0, 0, 0, NULL, 0, 0, NULL, sign, x.score * sign, x.score);
    IF x.agent_id IS NOT NULL THEN
        PERFORM report_agent_add(x.created_at, x.widget_id, x.agent_id, 0, NULL, 0, sign, x.score * sign);
    END IF;
END
$$;
-- +goose StatementEnd

-- The elementwise sums of a set of histograms, in one pass of SQL rather
-- than a function call per bucket (for the rebuild of the days).
-- +goose StatementBegin
CREATE FUNCTION report_widget_days_fill() RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
BEGIN
    DELETE FROM report_widget_days;
    INSERT INTO report_widget_days (day, widget_id, conversations, missed, resolved, res_ms, res_hist,
                                    frt_n, frt_ms, frt_hist, ratings, score_sum, scores)
    SELECT d.day, d.widget_id, d.conversations, d.missed, d.resolved, d.res_ms,
           coalesce((SELECT array_agg(s ORDER BY i) FROM (
               SELECT i, sum(v)::integer AS s FROM report_widget_hours h, unnest(h.res_hist) WITH ORDINALITY u(v, i)
               WHERE h.hour >= d.day AND h.hour < d.day + interval '1 day' AND h.widget_id = d.widget_id GROUP BY i) x), '{}'),
           d.frt_n, d.frt_ms,
           coalesce((SELECT array_agg(s ORDER BY i) FROM (
               SELECT i, sum(v)::integer AS s FROM report_widget_hours h, unnest(h.frt_hist) WITH ORDINALITY u(v, i)
               WHERE h.hour >= d.day AND h.hour < d.day + interval '1 day' AND h.widget_id = d.widget_id GROUP BY i) x), '{}'),
           d.ratings, d.score_sum, d.scores
    FROM (SELECT date_trunc('day', hour, 'UTC') AS day, widget_id, sum(conversations)::integer AS conversations,
                 sum(missed)::integer AS missed, sum(resolved)::integer AS resolved, sum(res_ms)::bigint AS res_ms,
                 sum(frt_n)::integer AS frt_n, sum(frt_ms)::bigint AS frt_ms, sum(ratings)::integer AS ratings,
                 sum(score_sum)::integer AS score_sum,
                 ARRAY[sum(scores[1]), sum(scores[2]), sum(scores[3]), sum(scores[4]), sum(scores[5])]::integer[] AS scores
          FROM report_widget_hours GROUP BY 1, 2) d
    ORDER BY 1, 2;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN n;
END
$$;
-- +goose StatementEnd

-- As in 00029, with the days computed from the hours at the end.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rollups_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
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
    PERFORM report_widget_days_fill();
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
    SELECT (SELECT count(*) FROM report_widget_hours) + (SELECT count(*) FROM report_widget_days)
         + (SELECT count(*) FROM report_message_hours) + (SELECT count(*) FROM report_agent_hours)
         + (SELECT count(*) FROM report_agent_days) INTO total;
    RETURN total;
END
$$;
-- +goose StatementEnd

-- An existing installation's days, from the hours it already has.
SELECT report_widget_days_fill();

-- +goose Down
-- The functions as 00029 left them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_fact_apply(f conversation_facts, sign integer) RETURNS void LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION report_rating_apply(x conversation_ratings, sign integer) RETURNS void LANGUAGE plpgsql AS $$
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

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_rollups_rebuild() RETURNS bigint LANGUAGE plpgsql AS $$
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

DROP FUNCTION report_widget_days_fill();
DROP FUNCTION report_widget_add(timestamptz, uuid, integer, integer, integer, integer, bigint, integer, integer, bigint,
                                integer, integer, integer, integer);
DROP TABLE report_widget_days;
