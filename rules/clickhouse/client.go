// Package clickhouse backtests Sigma rules where the logs live: it
// creates the event table (on one server, or as a Distributed table over
// a sharded cluster), loads EVTX and JSON events into it in batches over
// the HTTP interface, and runs rules compiled to SQL by rules/sigma,
// returning detections with their provenance like the in-process engine.
//
// Queries use only functions that exist in ClickHouse 18.16 (Debian's
// clickhouse-server) and current versions alike. Credentials come from
// the caller and are never logged or put in error messages.
package clickhouse

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Client talks to one ClickHouse server over its HTTP interface.
type Client struct {
	// URL is the server, e.g. http://127.0.0.1:8123 (no credentials in it).
	URL      string
	User     string
	Password string
	Database string
	HTTP     *http.Client
}

// NewClient returns a client for a server URL. Credentials written in the
// URL (http://user:pass@host) are taken out of it.
func NewClient(raw, user, password, database string) (*Client, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("clickhouse URL %q is not http(s)://host:port", redact(raw))
	}
	if u.User != nil {
		if user == "" {
			user = u.User.Username()
		}
		if p, ok := u.User.Password(); ok && password == "" {
			password = p
		}
		u.User = nil
	}
	if database == "" {
		database = "default"
	}
	return &Client{URL: strings.TrimRight(u.String(), "/"), User: user, Password: password, Database: database,
		HTTP: &http.Client{Timeout: 10 * time.Minute}}, nil
}

// redact hides credentials in a URL for messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return raw
	}
	u.User = url.User("***")
	return u.String()
}

// ServerError is an error ClickHouse answered with.
type ServerError struct {
	Status  int
	Message string
}

func (e *ServerError) Error() string {
	return fmt.Sprintf("clickhouse answered %d: %s", e.Status, strings.TrimSpace(e.Message))
}

// do sends query (in the URL) with body and returns the response body.
func (c *Client) do(ctx context.Context, query string, body io.Reader, settings map[string]string) (io.ReadCloser, error) {
	v := url.Values{}
	v.Set("database", c.Database)
	// Compiled rules can be long (SigmaHQ has rules with thousands of
	// values); the default limit is 256 KiB.
	v.Set("max_query_size", "67108864")
	v.Set("max_ast_elements", "10000000")
	v.Set("max_expanded_ast_elements", "10000000")
	for k, s := range settings {
		v.Set(k, s)
	}
	if body == nil {
		// The statement is the body: rule queries can be longer than
		// a URL may be.
		body = strings.NewReader(query)
	} else {
		v.Set("query", query)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL+"/?"+v.Encode(), body)
	if err != nil {
		return nil, err
	}
	if c.User != "" {
		req.SetBasicAuth(c.User, c.Password)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return nil, fmt.Errorf("clickhouse at %s: %w", c.URL, err)
	}
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		return nil, &ServerError{Status: resp.StatusCode, Message: string(msg)}
	}
	return resp.Body, nil
}

// Exec runs a statement that returns nothing of interest.
func (c *Client) Exec(ctx context.Context, stmt string) error {
	body, err := c.do(ctx, stmt, nil, nil)
	if err != nil {
		return err
	}
	_, err = io.Copy(io.Discard, body)
	body.Close()
	return err
}

// Rows runs a query with FORMAT TabSeparated appended and calls fn with
// each row's unescaped columns.
func (c *Client) Rows(ctx context.Context, query string, fn func(cols []string) error) error {
	body, err := c.do(ctx, query+" FORMAT TabSeparated", nil, nil)
	if err != nil {
		return err
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		cols := strings.Split(sc.Text(), "\t")
		for i := range cols {
			cols[i] = unescapeTSV(cols[i])
		}
		if err := fn(cols); err != nil {
			return err
		}
	}
	return sc.Err()
}

// Version returns the server's version.
func (c *Client) Version(ctx context.Context) (string, error) {
	var v string
	err := c.Rows(ctx, "SELECT version()", func(cols []string) error { v = cols[0]; return nil })
	return v, err
}

func unescapeTSV(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' || i+1 == len(s) {
			b.WriteByte(s[i])
			continue
		}
		i++
		switch s[i] {
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		case '0':
			b.WriteByte(0)
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		default:
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// JSONRows runs a query with FORMAT JSONEachRow appended and calls fn
// with each row's JSON object.
func (c *Client) JSONRows(ctx context.Context, query string, fn func(row []byte) error) error {
	body, err := c.do(ctx, query+" FORMAT JSONEachRow", nil, nil)
	if err != nil {
		return err
	}
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 1<<20), 256<<20)
	for sc.Scan() {
		if err := fn(sc.Bytes()); err != nil {
			return err
		}
	}
	return sc.Err()
}
