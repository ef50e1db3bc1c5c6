package events

import (
	"fmt"
	"io"
	"os"

	"www.velocidex.com/golang/evtx"
)

// readEVTX reads a Windows event log chunk by chunk. A chunk that cannot be
// parsed, or one whose records stop early, is damage; the other chunks are
// read as usual.
func readEVTX(path string, f io.ReadSeeker, st *Stats, fn Handler) error {
	chunks, err := safeChunks(f)
	if err != nil {
		st.Damage = append(st.Damage, Damage{File: path, Message: "not a readable EVTX file: " + err.Error()})
		return nil
	}
	var ev Event
	for _, chunk := range chunks {
		records, perr := safeParse(chunk)
		want := int(chunk.Header.LastEventRecNumber - chunk.Header.FirstEventRecNumber + 1)
		switch {
		case perr != nil:
			st.Damage = append(st.Damage, Damage{File: path, Offset: chunk.Offset, Message: fmt.Sprintf("chunk unreadable after %d of %d records: %v", len(records), want, perr)})
		case len(records) < want && want > 0 && want < 1<<20:
			st.Damage = append(st.Damage, Damage{File: path, Offset: chunk.Offset, Message: fmt.Sprintf("chunk holds %d readable records of the %d its header announces", len(records), want)})
		}
		for _, rec := range records {
			ev = Event{Fields: ev.Fields[:0], Source: Source{File: path, Offset: chunk.Offset}}
			flatten(rec.Event, &ev)
			if ev.Source.Record == 0 {
				ev.Source.Record = rec.Header.RecordID
			}
			st.Records++
			if err := fn(&ev); err != nil {
				return err
			}
		}
	}
	return nil
}

// safeChunks and safeParse turn a panic inside the EVTX parser (it indexes
// into buffers that a corrupt file can make too short) into an error.
func safeChunks(f io.ReadSeeker) (chunks []*evtx.Chunk, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser failed: %v", r)
		}
	}()
	return evtx.GetChunks(f)
}

func safeParse(chunk *evtx.Chunk) (records []*evtx.EventRecord, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("parser failed: %v", r)
		}
	}()
	return chunk.Parse(0)
}

func readSpooledEVTX(path string, r io.Reader, st *Stats, fn Handler) error {
	tmp, err := os.CreateTemp("", "antibody-evtx-*")
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	if _, err := io.Copy(tmp, r); err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	return readEVTX(path, tmp, st, fn)
}
