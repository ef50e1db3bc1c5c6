package yara

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"

	goyara "github.com/hillu/go-yara/v4"
)

// Match is one rule matching one file.
type Match struct {
	Rule      string            `json:"rule"`
	Namespace string            `json:"namespace"`
	Tags      []string          `json:"tags,omitempty"`
	Meta      map[string]string `json:"meta,omitempty"`
	File      string            `json:"file"`
	Strings   []StringMatch     `json:"strings,omitempty"`
}

// StringMatch is where one of the rule's strings matched.
type StringMatch struct {
	Name   string `json:"name"`
	Offset uint64 `json:"offset"`
	Data   string `json:"data"`
}

// FileResult is what scanning one file gave.
type FileResult struct {
	File    string
	Matches []Match
	// Skipped says why a file was not scanned (too large); Err is a
	// scan error (a timeout, an unreadable file).
	Skipped string
	Err     error
}

// ScanOptions bound a scan.
type ScanOptions struct {
	Workers int
	// Timeout per file (default 60 s); MaxSize in bytes (default 256 MiB).
	Timeout time.Duration
	MaxSize int64
}

// Scan scans files, several at once, and calls emit for each file in the
// order given (emit is never called concurrently).
func (rs *Ruleset) Scan(ctx context.Context, files []string, opts ScanOptions, emit func(FileResult)) error {
	if opts.Timeout == 0 {
		opts.Timeout = 60 * time.Second
	}
	if opts.MaxSize == 0 {
		opts.MaxSize = 256 << 20
	}
	workers := opts.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	if workers > len(files) && len(files) > 0 {
		workers = len(files)
	}
	results := make([]chan FileResult, len(files))
	for i := range results {
		results[i] = make(chan FileResult, 1)
	}
	jobs := make(chan int)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		sc, err := goyara.NewScanner(rs.rules)
		if err != nil {
			close(jobs)
			return fmt.Errorf("yara scanner: %w", err)
		}
		sc.SetTimeout(opts.Timeout)
		wg.Add(1)
		go func(sc *goyara.Scanner) {
			defer wg.Done()
			defer sc.Destroy()
			for i := range jobs {
				results[i] <- scanOne(sc, files[i], opts.MaxSize)
			}
		}(sc)
	}
	go func() {
		defer close(jobs)
		for i := range files {
			select {
			case jobs <- i:
			case <-ctx.Done():
				return
			}
		}
	}()
	for i := range files {
		select {
		case r := <-results[i]:
			emit(r)
		case <-ctx.Done():
			wg.Wait()
			return ctx.Err()
		}
	}
	wg.Wait()
	return nil
}

func scanOne(sc *goyara.Scanner, file string, maxSize int64) FileResult {
	res := FileResult{File: file}
	info, err := os.Stat(file)
	if err != nil {
		res.Err = err
		return res
	}
	if info.Size() > maxSize {
		res.Skipped = fmt.Sprintf("larger than %d bytes", maxSize)
		return res
	}
	var mr goyara.MatchRules
	sc.SetCallback(&mr)
	if err := sc.ScanFile(file); err != nil {
		res.Err = fmt.Errorf("scan %s: %w", file, err)
		return res
	}
	for _, m := range mr {
		match := Match{Rule: m.Rule, Namespace: m.Namespace, Tags: m.Tags, File: file, Meta: map[string]string{}}
		for _, meta := range m.Metas {
			match.Meta[meta.Identifier] = fmt.Sprint(meta.Value)
		}
		for _, s := range m.Strings {
			data := s.Data
			if len(data) > 64 {
				data = data[:64]
			}
			match.Strings = append(match.Strings, StringMatch{Name: s.Name, Offset: s.Offset, Data: fmt.Sprintf("%q", data)})
		}
		res.Matches = append(res.Matches, match)
	}
	return res
}

// ScanBytes scans one buffer (for generators proving drafts).
func (rs *Ruleset) ScanBytes(data []byte) ([]string, error) {
	var mr goyara.MatchRules
	if err := rs.rules.ScanMem(data, 0, 30*time.Second, &mr); err != nil {
		return nil, err
	}
	var out []string
	for _, m := range mr {
		out = append(out, m.Rule)
	}
	return out, nil
}
