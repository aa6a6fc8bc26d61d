package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/attachments/s3test"
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
		if up, link, err = b.uploadRate(ctx, b.main.URL, body, b.cfg.m1Dur); err != nil {
			break
		}
		if base, err = b.env.insertChunksRate(ctx, body, b.cfg.m1Dur, rep); err != nil {
			break
		}
		if down, err = b.downloadRate(ctx, b.main.URL, link, b.cfg.m1Dur); err != nil {
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
	b.m8s3(ctx, body)
}

// m8s3 is attachment throughput on the S3 store: a versitygw server of the
// run (posix back-end in the scratch directory) and an instance storing new
// files in it, against PUTting and GETting the same bytes straight to that
// server as one object each (minio-go, as the store uses), in the same run.
func (b *bench) m8s3(ctx context.Context, body []byte) {
	figUp, figDown := "M8 attachment upload (4 MB, S3 store)", "M8 attachment download (4 MB, S3 store)"
	skip := func(err error) {
		b.rep.skip(figUp, err)
		b.rep.skip(figDown, err)
	}
	dir, err := os.MkdirTemp(b.env.dir, "s3-")
	if err != nil {
		skip(err)
		return
	}
	s3, stop, err := s3test.Run(dir)
	if err != nil {
		skip(err)
		return
	}
	defer stop()
	inst, err := b.env.startLivechatProto(ctx, "m8-s3", "",
		"LIVECHAT_ATTACHMENT_STORE=s3", "LIVECHAT_S3_URL="+s3.URL, "LIVECHAT_S3_BUCKET="+s3.Bucket,
		"LIVECHAT_S3_REGION="+s3.Region, "LIVECHAT_S3_ACCESS_KEY="+s3.AccessKey, "LIVECHAT_S3_SECRET_KEY="+s3.SecretKey)
	if err != nil {
		skip(err)
		return
	}
	defer inst.stop()
	u, err := url.Parse(s3.URL)
	if err != nil {
		skip(err)
		return
	}
	direct, err := minio.New(u.Host, &minio.Options{
		Creds: credentials.NewStaticV4(s3.AccessKey, s3.SecretKey, ""), Region: s3.Region, BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		skip(err)
		return
	}
	var upR, downR, upV, downV, upB, downB []float64
	for rep := 0; rep < b.cfg.reps && err == nil; rep++ {
		var up, base, down, baseDown float64
		var link string
		if up, link, err = b.uploadRate(ctx, inst.URL, body, b.cfg.m1Dur); err != nil {
			break
		}
		if base, err = putRate(ctx, direct, s3.Bucket, body, b.cfg.m1Dur, rep); err != nil {
			break
		}
		if down, err = b.downloadRate(ctx, inst.URL, link, b.cfg.m1Dur); err != nil {
			break
		}
		if baseDown, err = getRate(ctx, direct, s3.Bucket, fmt.Sprintf("bench-%d-0", rep), b.cfg.m1Dur); err != nil {
			break
		}
		upR, downR = append(upR, up/base), append(downR, down/baseDown)
		upV, downV, upB, downB = append(upV, up), append(downV, down), append(upB, base), append(downB, baseDown)
	}
	if err != nil {
		skip(err)
		return
	}
	b.rep.add(row{
		figure: figUp, value: fmt.Sprintf("%.0f MB/s", median(upV)),
		baseline: fmt.Sprintf("direct PUT %.0f MB/s", median(upB)), ratio: fmtRatio(median(upR)), target: "—", met: "—",
	})
	b.rep.add(row{
		figure: figDown, value: fmt.Sprintf("%.0f MB/s", median(downV)),
		baseline: fmt.Sprintf("direct GET %.0f MB/s", median(downB)), ratio: fmtRatio(median(downR)), target: "—", met: "—",
	})
	b.rep.detail("M8 S3 upload ratios per repetition: %s; download: %s", fmtFloats(upR), fmtFloats(downR))
}

// putRate PUTs body as one object after another for d; MB/s.
func putRate(ctx context.Context, c *minio.Client, bucket string, body []byte, d time.Duration, rep int) (float64, error) {
	files := 0
	start := time.Now()
	for files == 0 || time.Since(start) < d {
		key := fmt.Sprintf("bench-%d-%d", rep, files)
		if _, err := c.PutObject(ctx, bucket, key, bytes.NewReader(body), int64(len(body)),
			minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: true}); err != nil {
			return 0, fmt.Errorf("direct PUT: %w", err)
		}
		files++
	}
	return float64(files*len(body)) / (1 << 20) / time.Since(start).Seconds(), nil
}

// getRate GETs the object key again and again for d; MB/s.
func getRate(ctx context.Context, c *minio.Client, bucket, key string, d time.Duration) (float64, error) {
	var total int64
	start := time.Now()
	for total == 0 || time.Since(start) < d {
		obj, err := c.GetObject(ctx, bucket, key, minio.GetObjectOptions{})
		if err != nil {
			return 0, fmt.Errorf("direct GET: %w", err)
		}
		n, err := io.Copy(io.Discard, obj)
		obj.Close()
		if err != nil {
			return 0, fmt.Errorf("direct GET: %w", err)
		}
		total += n
	}
	return float64(total) / (1 << 20) / time.Since(start).Seconds(), nil
}

// uploadRate uploads body back to back for d and returns MB/s, and a
// download link of one of the files (sent into a conversation).
func (b *bench) uploadRate(ctx context.Context, server string, body []byte, d time.Duration) (float64, string, error) {
	if len(b.fx.visitors) == 0 {
		return 0, "", fmt.Errorf("no conversation to send a file into: %w", b.fx.errVisitors)
	}
	hc := newHTTPClient("h1", 5, 10)
	defer hc.CloseIdleConnections()
	var first string
	n := 0
	start := time.Now()
	for n == 0 || time.Since(start) < d {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, server+"/api/attachments?name=bench.txt", bytes.NewReader(body))
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
	cl := newClients(hc, server, bearer(b.fx.token)).Conversation
	sent, err := cl.SendMessage(ctx, &livechatv1.SendMessageRequest{
		ConversationId: b.fx.visitors[0].conversationID, ClientMessageId: fmt.Sprintf("m8-%d", time.Now().UnixNano()), AttachmentIds: []string{first},
	})
	if err != nil {
		return 0, "", unavailable("ConversationService.SendMessage", err)
	}
	return rate, sent.Message.Attachments[0].Url, nil
}

// downloadRate downloads link back to back for d and returns MB/s.
func (b *bench) downloadRate(ctx context.Context, server, link string, d time.Duration) (float64, error) {
	hc := newHTTPClient("h1", 5, 10)
	defer hc.CloseIdleConnections()
	var total int64
	start := time.Now()
	for total == 0 || time.Since(start) < d {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, server+link, nil)
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
