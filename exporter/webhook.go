package exporter

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"
)

// WebhookConfig configures the webhook output.
type WebhookConfig struct {
	// URL receives one POST per detection (http or https), for instance
	// Falcosidekick's "/" endpoint.
	URL string
	// Headers are added to every request (authorisation tokens, for
	// instance); they may override Content-Type and User-Agent. Host and
	// Content-Length are set by the client and rejected here.
	Headers map[string]string
	// Timeout bounds one attempt, from dialling to reading the response;
	// 0 means DefaultWebhookTimeout.
	Timeout time.Duration
	// InsecureSkipVerify disables verification of the server's TLS
	// certificate. For testing only.
	InsecureSkipVerify bool
	// MaxRetries is how many times a detection is sent again after a
	// network error, a timeout or a 5xx response, from 0 (never) to
	// MaxWebhookRetries.
	MaxRetries int
}

const (
	// DefaultWebhookTimeout is the per-attempt timeout when
	// WebhookConfig.Timeout is 0.
	DefaultWebhookTimeout = 5 * time.Second
	// MaxWebhookRetries bounds WebhookConfig.MaxRetries.
	MaxWebhookRetries = 5

	// webhookBackoff is the wait before the first retry; it doubles for
	// each further retry up to webhookMaxBackoff.
	webhookBackoff    = 100 * time.Millisecond
	webhookMaxBackoff = time.Second
	// webhookDrainLimit bounds the response body read (to reuse the
	// connection) and webhookErrorBody the part of it quoted in errors.
	webhookDrainLimit = 64 << 10
	webhookErrorBody  = 200
)

// WebhookOutput POSTs each detection as one Falco JSON alert document
// (Content-Type application/json), the payload Falco's http_output sends
// and Falcosidekick accepts.
//
// A network error, a timeout or a 5xx response is retried up to
// MaxRetries times with a short doubling backoff; any other non-2xx
// response (4xx, and 3xx: redirects are not followed) fails at once. Once
// a detection has failed after its retries, later detections get a single
// attempt until one succeeds, so an endpoint that is down costs the queue
// at most one Timeout per detection rather than (MaxRetries+1) of them.
//
// Errors name the endpoint by scheme and host only: webhook URLs often
// carry secrets in their path or query. Write, Close and Name are safe for
// concurrent use; Close aborts a Write in progress.
type WebhookOutput struct {
	url      string // full URL, never logged
	target   string // scheme://host, for errors and logs
	header   http.Header
	client   *http.Client
	hostname string
	retries  int
	backoff  time.Duration // first retry wait; tests shorten it
	log      *slog.Logger

	// degraded is set when a detection failed after its retries and
	// cleared by the next success.
	degraded atomic.Bool
	// done ends with Close and cancels writes in progress.
	done   context.Context
	cancel context.CancelFunc
}

// NewWebhookOutput validates cfg and returns an output POSTing Falco JSON
// documents with the given hostname to cfg.URL.
func NewWebhookOutput(cfg WebhookConfig, hostname string, log *slog.Logger) (*WebhookOutput, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	u, err := url.Parse(cfg.URL)
	if err != nil {
		// url.Error repeats the whole URL; keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("webhook url: %w", err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("webhook url: scheme %q, want http or https", u.Scheme)
	}
	if u.Host == "" {
		return nil, errors.New("webhook url: no host")
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("webhook timeout %s is negative", cfg.Timeout)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = DefaultWebhookTimeout
	}
	if cfg.MaxRetries < 0 || cfg.MaxRetries > MaxWebhookRetries {
		return nil, fmt.Errorf("webhook max retries %d, want 0 to %d", cfg.MaxRetries, MaxWebhookRetries)
	}
	header := http.Header{}
	header.Set("Content-Type", "application/json")
	header.Set("User-Agent", "vigil")
	for k, v := range cfg.Headers {
		if err := checkHeader(k, v); err != nil {
			return nil, err
		}
		header.Set(k, v)
	}
	target := u.Scheme + "://" + u.Host
	if cfg.InsecureSkipVerify {
		log.Warn("webhook TLS certificate verification disabled", "url", target)
	}
	done, cancel := context.WithCancel(context.Background())
	return &WebhookOutput{
		url:      u.String(),
		target:   target,
		header:   header,
		client:   newWebhookClient(cfg),
		hostname: hostname,
		retries:  cfg.MaxRetries,
		backoff:  webhookBackoff,
		log:      log,
		done:     done,
		cancel:   cancel,
	}, nil
}

// newWebhookClient returns the output's one client: a small connection
// pool (one writer goroutine needs one connection), every phase bounded by
// the timeout, redirects not followed (a 301/302 would turn the POST into
// a GET and drop the detection).
func newWebhookClient(cfg WebhookConfig) *http.Client {
	tr := &http.Transport{
		Proxy:                  http.ProxyFromEnvironment,
		DialContext:            (&net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           2,
		MaxIdleConnsPerHost:    2,
		MaxConnsPerHost:        4,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    cfg.Timeout,
		ResponseHeaderTimeout:  cfg.Timeout,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
		TLSClientConfig: &tls.Config{
			MinVersion:         tls.VersionTLS12,
			InsecureSkipVerify: cfg.InsecureSkipVerify, //nolint:gosec // explicit operator opt-in, warned about at start-up
		},
	}
	return &http.Client{
		Transport: tr,
		Timeout:   cfg.Timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// checkHeader rejects header names that are not HTTP tokens, values that
// could split the request, and headers the client owns.
func checkHeader(name, value string) error {
	if name == "" {
		return errors.New("webhook header: empty name")
	}
	for i := 0; i < len(name); i++ {
		if !isTokenChar(name[i]) {
			return fmt.Errorf("webhook header %q: invalid name", name)
		}
	}
	switch http.CanonicalHeaderKey(name) {
	case "Host", "Content-Length", "Transfer-Encoding", "Connection":
		return fmt.Errorf("webhook header %q: set by the client", name)
	}
	if strings.ContainsAny(value, "\r\n\x00") {
		return fmt.Errorf("webhook header %q: value contains a line break or NUL", name)
	}
	return nil
}

// isTokenChar reports whether c may appear in an HTTP header name
// (RFC 9110 token).
func isTokenChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0
}

var _ Output = (*WebhookOutput)(nil)

// Name returns "http".
func (w *WebhookOutput) Name() string { return "http" }

// Write POSTs d, retrying as described on WebhookOutput. It returns an
// error if d was not accepted with a 2xx response.
func (w *WebhookOutput) Write(ctx context.Context, d *Detection) error {
	if w.done.Err() != nil {
		return errors.New("webhook output closed")
	}
	body, err := AppendFalcoJSON(nil, &d.Detection, w.hostname)
	if err != nil {
		return err
	}
	body = bytes.TrimSuffix(body, []byte{'\n'})

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(w.done, cancel)
	defer stop()

	retries := w.retries
	if w.degraded.Load() {
		retries = 0
	}
	wait := w.backoff
	for attempt := 1; ; attempt++ {
		retry, err := w.post(ctx, body)
		if err == nil {
			w.degraded.Store(false)
			return nil
		}
		if !retry || ctx.Err() != nil {
			return fmt.Errorf("webhook %s: %w", w.target, err)
		}
		if attempt > retries {
			w.degraded.Store(true)
			if attempt == 1 {
				return fmt.Errorf("webhook %s: %w", w.target, err)
			}
			return fmt.Errorf("webhook %s: gave up after %d attempts: %w", w.target, attempt, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("webhook %s: %w (retry abandoned: %w)", w.target, err, context.Cause(ctx))
		}
		wait = min(2*wait, webhookMaxBackoff)
	}
}

// post makes one attempt and reports whether its failure may be retried.
func (w *WebhookOutput) post(ctx context.Context, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.url, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("build request: %w", err)
	}
	req.Header = w.header.Clone()
	resp, err := w.client.Do(req)
	if err != nil {
		// url.Error quotes the full URL, which may hold secrets.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return true, err
	}
	defer resp.Body.Close()
	head := make([]byte, webhookErrorBody)
	n, _ := io.ReadFull(resp.Body, head)
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, webhookDrainLimit))
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return false, nil
	}
	err = fmt.Errorf("status %s", resp.Status)
	if snippet := strings.TrimSpace(string(head[:n])); snippet != "" {
		err = fmt.Errorf("status %s: %q", resp.Status, snippet)
	}
	return resp.StatusCode >= 500, err
}

// Close aborts a Write in progress, makes later writes fail and closes
// idle connections. Nothing is buffered, so there is nothing to flush.
func (w *WebhookOutput) Close(context.Context) error {
	w.cancel()
	w.client.CloseIdleConnections()
	return nil
}
