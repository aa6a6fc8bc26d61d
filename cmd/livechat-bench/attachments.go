package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
)

// attachmentSize is the file M8 moves: a screenshot-to-photo size.
const attachmentSize = 4 << 20

// attachmentChunk is the PostgreSQL store's chunk size (pgstore.ChunkSize).
const attachmentChunk = 256 << 10

// m8 is attachment throughput on the PostgreSQL store: uploads (POST
// /api/attachments, streamed into chunks) against INSERTing the same bytes
// as the same chunks straight into attachment_chunks, and downloads (GET of
// a signed link) against SELECTing those chunks back, in the same run.
func (b *bench) m8(ctx context.Context) {
	body := bytes.Repeat([]byte("livechat attachment bench\n"), attachmentSize/26+1)[:attachmentSize]
	var upR, downR, upV, downV, upB, downB []float64
	var err error
	for rep := 0; rep < b.cfg.reps && err == nil; rep++ {
		var up, base, down, baseDown float64
		var link string
		if up, link, err = b.uploadRate(ctx, body, b.cfg.m1Dur); err != nil {
			break
		}
		if base, err = b.env.insertChunksRate(ctx, body, b.cfg.m1Dur, rep); err != nil {
			break
		}
		if down, err = b.downloadRate(ctx, link, b.cfg.m1Dur); err != nil {
			break
		}
		if baseDown, err = b.env.selectChunksRate(ctx, fmt.Sprintf("bench-%d-0", rep), b.cfg.m1Dur); err != nil {
			break
		}
		upR, downR = append(upR, up/base), append(downR, down/baseDown)
		upV, downV, upB, downB = append(upV, up), append(downV, down), append(upB, base), append(downB, baseDown)
	}
	if err != nil {
		b.rep.skip("M8 attachment upload", err)
		b.rep.skip("M8 attachment download", err)
		return
	}
	b.rep.add(row{
		figure: "M8 attachment upload (4 MB, PostgreSQL store)", value: fmt.Sprintf("%.0f MB/s", median(upV)),
		baseline: fmt.Sprintf("INSERT of the chunks %.0f MB/s", median(upB)), ratio: fmtRatio(median(upR)), target: "—", met: "—",
	})
	b.rep.add(row{
		figure: "M8 attachment download (4 MB, PostgreSQL store)", value: fmt.Sprintf("%.0f MB/s", median(downV)),
		baseline: fmt.Sprintf("SELECT of the chunks %.0f MB/s", median(downB)), ratio: fmtRatio(median(downR)), target: "—", met: "—",
	})
	b.rep.detail("M8 upload ratios per repetition: %s; download: %s", fmtFloats(upR), fmtFloats(downR))
}

// uploadRate uploads body back to back for d and returns MB/s, and a
// download link of one of the files (sent into a conversation).
func (b *bench) uploadRate(ctx context.Context, body []byte, d time.Duration) (float64, string, error) {
	if len(b.fx.visitors) == 0 {
		return 0, "", fmt.Errorf("no conversation to send a file into: %w", b.fx.errVisitors)
	}
	hc := newHTTPClient("h1", 5, 10)
	defer hc.CloseIdleConnections()
	var first string
	n := 0
	start := time.Now()
	for n == 0 || time.Since(start) < d {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.main.URL+"/api/attachments?name=bench.txt", bytes.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+b.fx.token)
		res, err := hc.Do(req)
		if err != nil {
			return 0, "", unavailable("upload", err)
		}
		data, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			return 0, "", fmt.Errorf("upload: %d %s", res.StatusCode, data)
		}
		if first == "" {
			var up struct{ Attachment struct{ ID string } }
			if err := json.Unmarshal(data, &up); err != nil {
				return 0, "", err
			}
			first = up.Attachment.ID
		}
		n++
	}
	rate := float64(n*len(body)) / (1 << 20) / time.Since(start).Seconds()
	cl := newClients(hc, b.main.URL, bearer(b.fx.token)).Conversation
	sent, err := cl.SendMessage(ctx, &livechatv1.SendMessageRequest{
		ConversationId: b.fx.visitors[0].conversationID, ClientMessageId: fmt.Sprintf("m8-%d", time.Now().UnixNano()), AttachmentIds: []string{first},
	})
	if err != nil {
		return 0, "", unavailable("ConversationService.SendMessage", err)
	}
	return rate, sent.Message.Attachments[0].Url, nil
}

// downloadRate downloads link back to back for d and returns MB/s.
func (b *bench) downloadRate(ctx context.Context, link string, d time.Duration) (float64, error) {
	hc := newHTTPClient("h1", 5, 10)
	defer hc.CloseIdleConnections()
	var total int64
	start := time.Now()
	for total == 0 || time.Since(start) < d {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, b.main.URL+link, nil)
		if err != nil {
			return 0, err
		}
		res, err := hc.Do(req)
		if err != nil {
			return 0, unavailable("download", err)
		}
		n, err := io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return 0, fmt.Errorf("download: %d %v", res.StatusCode, err)
		}
		total += n
	}
	return float64(total) / (1 << 20) / time.Since(start).Seconds(), nil
}

// insertChunksRate INSERTs body as chunks, each in its own autocommit
// statement as the store does, file after file for d; MB/s.
func (e *env) insertChunksRate(ctx context.Context, body []byte, d time.Duration, rep int) (float64, error) {
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	files := 0
	start := time.Now()
	for files == 0 || time.Since(start) < d {
		key := fmt.Sprintf("bench-%d-%d", rep, files)
		for i := 0; i*attachmentChunk < len(body); i++ {
			chunk := body[i*attachmentChunk : min((i+1)*attachmentChunk, len(body))]
			if _, err := conn.Exec(ctx, `INSERT INTO attachment_chunks (key, n, data) VALUES ($1, $2, $3)`, key, i, chunk); err != nil {
				return 0, err
			}
		}
		files++
	}
	return float64(files*len(body)) / (1 << 20) / time.Since(start).Seconds(), nil
}

// selectChunksRate reads the chunks of key in order, file after file for
// d; MB/s.
func (e *env) selectChunksRate(ctx context.Context, key string, d time.Duration) (float64, error) {
	conn, err := pgx.Connect(ctx, e.dbURL)
	if err != nil {
		return 0, err
	}
	defer conn.Close(ctx)
	var total int64
	start := time.Now()
	for total == 0 || time.Since(start) < d {
		for i := 0; ; i++ {
			var data []byte
			err := conn.QueryRow(ctx, `SELECT data FROM attachment_chunks WHERE key = $1 AND n = $2`, key, i).Scan(&data)
			if err == pgx.ErrNoRows {
				break
			}
			if err != nil {
				return 0, err
			}
			total += int64(len(data))
		}
	}
	return float64(total) / (1 << 20) / time.Since(start).Seconds(), nil
}
