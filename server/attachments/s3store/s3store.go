// Package s3store keeps attachment files in an S3-compatible object store
// (AWS S3, Ceph, Garage, versitygw, …), for installations whose files
// outgrow PostgreSQL. It uses minio-go, a small, well-kept client that
// speaks plain S3 to any of them.
package s3store

import (
	"context"
	"errors"
	"io"
	"net/url"
	"strings"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/opensupport/livechat/server/apperr"
)

// Name is the store's name recorded with each attachment.
const Name = "s3"

// PartSize is the size of the parts a file of unknown length is uploaded
// in (S3's smallest): the most an upload holds in memory.
const PartSize = 5 << 20

// Config says where the bucket is.
type Config struct {
	// URL is the endpoint, e.g. https://s3.eu-west-1.amazonaws.com or
	// http://127.0.0.1:7070.
	URL    string
	Bucket string
	Region string
	// AccessKey and SecretKey are the credentials.
	AccessKey, SecretKey string
}

// Store keeps files as objects named by their keys in one bucket.
type Store struct {
	c      *minio.Client
	bucket string
}

// New connects to the store and creates the bucket when it does not exist.
func New(ctx context.Context, cfg Config) (*Store, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("the S3 URL must be http(s)://host[:port]")
	}
	c, err := minio.New(u.Host, &minio.Options{
		Creds:        credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, ""),
		Secure:       u.Scheme == "https",
		Region:       cfg.Region,
		BucketLookup: minio.BucketLookupPath,
	})
	if err != nil {
		return nil, err
	}
	s := &Store{c: c, bucket: cfg.Bucket}
	ok, err := c.BucketExists(ctx, cfg.Bucket)
	if err != nil {
		return nil, err
	}
	if !ok {
		if err := c.MakeBucket(ctx, cfg.Bucket, minio.MakeBucketOptions{Region: cfg.Region}); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Name implements attachments.Store.
func (s *Store) Name() string { return Name }

// Put implements attachments.Store. The length is not known ahead (the
// body streams in), so the client uploads parts of PartSize.
func (s *Store) Put(ctx context.Context, key string, r io.Reader) (int64, error) {
	info, err := s.c.PutObject(ctx, s.bucket, key, r, -1, minio.PutObjectOptions{PartSize: PartSize, ContentType: "application/octet-stream"})
	if err != nil {
		return 0, unavailable(err)
	}
	return info.Size, nil
}

// PutSized stores r of a known size in one request (no part buffer): the
// move from another store knows every file's size.
func (s *Store) PutSized(ctx context.Context, key string, r io.Reader, size int64) error {
	_, err := s.c.PutObject(ctx, s.bucket, key, r, size, minio.PutObjectOptions{ContentType: "application/octet-stream", DisableMultipart: size < PartSize})
	return unavailable(err)
}

// Open implements attachments.Store with a ranged GET.
func (s *Store) Open(ctx context.Context, key string, off, n int64) (io.ReadCloser, error) {
	opts := minio.GetObjectOptions{}
	switch {
	case n > 0:
		if err := opts.SetRange(off, off+n-1); err != nil {
			return nil, apperr.Wrap(apperr.InvalidValue, err, "bad range")
		}
	case off > 0:
		if err := opts.SetRange(off, 0); err != nil {
			return nil, apperr.Wrap(apperr.InvalidValue, err, "bad range")
		}
	}
	obj, err := s.c.GetObject(ctx, s.bucket, key, opts)
	if err != nil {
		return nil, unavailable(err)
	}
	// GetObject is lazy: ask now, so a missing key is NotFound here.
	if _, err := obj.Stat(); err != nil {
		_ = obj.Close()
		return nil, unavailable(err)
	}
	return obj, nil
}

// Delete implements attachments.Store.
func (s *Store) Delete(ctx context.Context, key string) error {
	err := s.c.RemoveObject(ctx, s.bucket, key, minio.RemoveObjectOptions{})
	if err != nil && minio.ToErrorResponse(err).Code == "NoSuchKey" {
		return nil
	}
	return unavailable(err)
}

// unavailable gives a store error its reason: a missing object is NotFound,
// anything else (the store down, refusing) Unavailable, which clients
// retry.
func unavailable(err error) error {
	if err == nil {
		return nil
	}
	if code := minio.ToErrorResponse(err).Code; code == "NoSuchKey" || strings.Contains(code, "NotFound") {
		return apperr.Wrap(apperr.NotFound, err, "no such file")
	}
	return apperr.Wrap(apperr.Unavailable, err, "the file store is unavailable")
}
