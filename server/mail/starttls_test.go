package mail_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net/smtp"
	"os"
	"path/filepath"
	"testing"
	"time"

	livechatv1 "github.com/opensupport/livechat/gen/go/livechat/v1"
	"github.com/opensupport/livechat/server/app"
)

// selfSigned writes a certificate for host and its key to dir and returns
// the files and a pool that trusts it.
func selfSigned(t *testing.T, dir, host string) (certFile, keyFile string, roots *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: host}, DNSNames: []string{host},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	roots = x509.NewCertPool()
	roots.AddCert(c)
	return certFile, keyFile, roots
}

// With a certificate configured, the receiver offers STARTTLS and takes a
// reply by email over the encrypted connection.
func TestReceiverStartTLS(t *testing.T) {
	t.Parallel()
	cert, key, roots := selfSigned(t, t.TempDir(), "mx.example.com")
	e := newEnv(t, func(c *app.Config) { c.MailReceiverTLSCert, c.MailReceiverTLSKey = cert, key })
	v := newVisitor(t, e, livechatv1.WidgetLocale_WIDGET_LOCALE_EN, "tls@example.com")
	conv := v.send(t, "Hello over TLS")
	ms := e.settle(t, 1)
	if len(ms) != 1 {
		t.Fatalf("Mailpit has %v, want the acknowledgement", ms)
	}
	to := e.mp.Message(ms[0].ID).ReplyTo[0].Address

	c, err := smtp.Dial(e.srv.App.MailReceiverAddr())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Hello("mx.sender.example.net"); err != nil {
		t.Fatal(err)
	}
	if ok, _ := c.Extension("STARTTLS"); !ok {
		t.Fatal("the receiver does not offer STARTTLS")
	}
	if err := c.StartTLS(&tls.Config{ServerName: "mx.example.com", RootCAs: roots}); err != nil {
		t.Fatalf("STARTTLS: %v", err)
	}
	if st, ok := c.TLSConnectionState(); !ok || !st.HandshakeComplete {
		t.Fatal("no TLS after STARTTLS")
	}
	if err := c.Mail("tls@example.com"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatal(err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(replyMail(to, "tls1@example.com", "Sent encrypted")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	_ = c.Quit()
	page, err := e.agent.Conversation.ListMessages(ctx(t), &livechatv1.ListMessagesRequest{ConversationId: conv})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range page.Messages {
		found = found || m.Text == "Sent encrypted"
	}
	if !found {
		t.Errorf("messages %v, want the reply sent over TLS", page.Messages)
	}
}
