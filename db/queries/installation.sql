-- name: GetInstallation :one
SELECT id, created_at FROM installation;
