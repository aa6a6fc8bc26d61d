-- The reports' breakdowns by team and by tag (see 00033_report_tags).

-- name: ReportTeamWidgets :one
-- Whether the team exists, and the widgets that route to it now.
SELECT EXISTS (SELECT 1 FROM teams WHERE id = @team_id) AS found,
       ARRAY(SELECT widget_id FROM widget_routing WHERE team_id = @team_id ORDER BY widget_id)::uuid[] AS widget_ids;

-- name: ReportWidgetTeams :many
-- Every widget (deleted ones too: their history is reported) with the
-- team it routes to, if any.
SELECT w.id AS widget_id, t.id AS team_id, coalesce(t.name, '')::text AS team_name
FROM widgets w
LEFT JOIN widget_routing r ON r.widget_id = w.id
LEFT JOIN teams t ON t.id = r.team_id;

-- name: ReportTagRows :many
-- The tags' rollup rows of [start_at, end_at): whole UTC days
-- [days_start, days_end) from the daily rollup, the hours before and after
-- them from the hourly one (days_start = days_end = end_at reads hours
-- only), of the widgets in widget_ids (every widget when NULL).
SELECT tag_id, conversations, missed, frt_hist, res_hist, ratings, score_sum
FROM report_tag_hours
WHERE ((hour >= @start_at AND hour < @days_start) OR (hour >= @days_end AND hour < @end_at))
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]))
UNION ALL
SELECT tag_id, conversations, missed, frt_hist, res_hist, ratings, score_sum
FROM report_tag_days
WHERE day >= @days_start AND day < @days_end
  AND (sqlc.narg(widget_ids)::uuid[] IS NULL OR widget_id = ANY(sqlc.narg(widget_ids)::uuid[]));

-- name: ReportTagNames :many
SELECT id, name FROM tags WHERE id = ANY(@ids::uuid[]);
