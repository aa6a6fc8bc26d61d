-- +goose Up
-- Each agent-day row also keeps the conversations the agent replied in per
-- UTC hour of the day (hours[1] is 00:00-01:00 UTC), so a report's
-- per-agent sparkline is read from the day rows alone: the hours of a UTC
-- day that fall in another of the viewer's days than the day's noon are
-- placed there from the row itself. They were read from report_agent_hours
-- (a year of them for Ho Chi Minh City is ~45,000 rows, most of a year's
-- report). Kept in step by report_agent_add like the rest of the row, and
-- rebuilt by report_rollups_rebuild from the hours.
ALTER TABLE report_agent_days ADD COLUMN hours integer[] NOT NULL DEFAULT '{}';

-- The 1-based UTC hour of the day of an instant.
CREATE FUNCTION report_utc_hour(at timestamptz) RETURNS integer LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
RETURN extract(hour FROM at AT TIME ZONE 'UTC')::integer + 1;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_agent_add(at timestamptz, w uuid, a uuid, handled integer, frt_bucket integer, frt integer,
                                 ratings integer, score integer) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO report_agent_hours AS r (hour, widget_id, agent_id, handled, frt_n, frt_hist, ratings, score_sum)
    VALUES (date_trunc('hour', at, 'UTC'), w, a, handled, frt, report_hist_add('{}', frt_bucket, frt), ratings, score)
    ON CONFLICT (hour, widget_id, agent_id) DO UPDATE
        SET handled = r.handled + EXCLUDED.handled, frt_n = r.frt_n + EXCLUDED.frt_n,
            frt_hist = report_hist_add(r.frt_hist, frt_bucket, frt),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum;
    INSERT INTO report_agent_days AS r (day, widget_id, agent_id, handled, frt_n, frt_hist, ratings, score_sum, hours)
    VALUES (date_trunc('day', at, 'UTC'), w, a, handled, frt, report_hist_add('{}', frt_bucket, frt), ratings, score,
            report_hist_add('{}', report_utc_hour(at), handled))
    ON CONFLICT (day, widget_id, agent_id) DO UPDATE
        SET handled = r.handled + EXCLUDED.handled, frt_n = r.frt_n + EXCLUDED.frt_n,
            frt_hist = report_hist_add(r.frt_hist, frt_bucket, frt),
            ratings = r.ratings + EXCLUDED.ratings, score_sum = r.score_sum + EXCLUDED.score_sum,
            hours = report_hist_add(r.hours, report_utc_hour(at), EXCLUDED.handled);
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
    INSERT INTO report_agent_days (day, widget_id, agent_id, handled, frt_n, frt_hist, ratings, score_sum, hours)
    SELECT date_trunc('day', hour, 'UTC'), widget_id, agent_id, sum(handled), sum(frt_n), report_hist_sum(frt_hist),
           sum(ratings), sum(score_sum), report_hist_sum(report_hist_add('{}', report_utc_hour(hour), handled))
    FROM report_agent_hours GROUP BY 1, 2, 3 ORDER BY 1, 2, 3;
    SELECT (SELECT count(*) FROM report_widget_hours) + (SELECT count(*) FROM report_widget_days)
         + (SELECT count(*) FROM report_message_hours) + (SELECT count(*) FROM report_agent_hours)
         + (SELECT count(*) FROM report_agent_days) INTO total;
    RETURN total;
END
$$;
-- +goose StatementEnd

-- An existing installation's days, from the hours it already has.
UPDATE report_agent_days d SET hours = h.hours
FROM (
    SELECT date_trunc('day', hour, 'UTC') AS day, widget_id, agent_id,
           report_hist_sum(report_hist_add('{}', report_utc_hour(hour), handled)) AS hours
    FROM report_agent_hours WHERE handled <> 0 GROUP BY 1, 2, 3
) h
WHERE d.day = h.day AND d.widget_id = h.widget_id AND d.agent_id = h.agent_id;

-- +goose Down
-- The functions as 00029 and 00032 left them.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION report_agent_add(at timestamptz, w uuid, a uuid, handled integer, frt_bucket integer, frt integer,
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

DROP FUNCTION report_utc_hour(timestamptz);
ALTER TABLE report_agent_days DROP COLUMN hours;
