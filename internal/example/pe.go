package example

import (
	"bytes"
	"encoding/binary"
)

// peSpec describes a stand-in Windows executable: its imports and the
// strings a signature would key on.
type peSpec struct {
	timestamp uint32
	console   bool
	imports   []peImport
	rdata     []string // ASCII strings in .rdata
	wide      []string // UTF-16LE strings in .data
	data      []string // ASCII strings in .data
}

type peImport struct {
	dll   string
	funcs []string
}

// buildPE lays out a minimal but well-formed PE32+ image: DOS header and
// stub, COFF and optional headers, and .text, .rdata (imports, strings)
// and .data sections. The entry point is `xor eax, eax; ret`.
func buildPE(s peSpec) []byte {
	const (
		fileAlign = 0x200
		sectAlign = 0x1000
		textRVA   = 0x1000
		rdataRVA  = 0x2000
		dataRVA   = 0x3000
	)
	le := binary.LittleEndian

	text := []byte{0x31, 0xC0, 0xC3} // xor eax,eax ; ret
	text = append(text, bytes.Repeat([]byte{0xCC}, 13)...)

	// .rdata: import descriptors, lookup tables, hint/name entries, names, strings.
	var rd bytes.Buffer
	nd := len(s.imports)
	descSize := 20 * (nd + 1)
	rd.Write(make([]byte, descSize))
	type fix struct{ ilt, iat, name int }
	fixes := make([]fix, nd)
	for i, imp := range s.imports {
		// ILT and IAT are filled after the hint/name entries are placed.
		fixes[i].ilt = rd.Len()
		rd.Write(make([]byte, 8*(len(imp.funcs)+1)))
		fixes[i].iat = rd.Len()
		rd.Write(make([]byte, 8*(len(imp.funcs)+1)))
	}
	rdb := func() []byte { return rd.Bytes() }
	for i, imp := range s.imports {
		for j, fn := range imp.funcs {
			if rd.Len()%2 == 1 {
				rd.WriteByte(0)
			}
			at := rd.Len()
			rd.Write([]byte{0, 0})
			rd.WriteString(fn)
			rd.WriteByte(0)
			le.PutUint64(rdb()[fixes[i].ilt+8*j:], uint64(rdataRVA+at))
			le.PutUint64(rdb()[fixes[i].iat+8*j:], uint64(rdataRVA+at))
		}
		fixes[i].name = rd.Len()
		rd.WriteString(imp.dll)
		rd.WriteByte(0)
	}
	for i := range s.imports {
		d := rdb()[20*i:]
		le.PutUint32(d[0:], uint32(rdataRVA+fixes[i].ilt))
		le.PutUint32(d[12:], uint32(rdataRVA+fixes[i].name))
		le.PutUint32(d[16:], uint32(rdataRVA+fixes[i].iat))
	}
	for _, str := range s.rdata {
		rd.WriteString(str)
		rd.WriteByte(0)
	}

	var data bytes.Buffer
	for _, str := range s.data {
		data.WriteString(str)
		data.WriteByte(0)
	}
	for _, str := range s.wide {
		if data.Len()%2 == 1 {
			data.WriteByte(0)
		}
		for _, r := range str {
			data.Write([]byte{byte(r), byte(r >> 8)})
		}
		data.Write([]byte{0, 0})
	}

	align := func(n, a int) int { return (n + a - 1) / a * a }
	sections := []struct {
		name  string
		rva   int
		body  []byte
		flags uint32
	}{
		{".text", textRVA, text, 0x60000020},         // code, execute, read
		{".rdata", rdataRVA, rd.Bytes(), 0x40000040}, // initialised data, read
		{".data", dataRVA, data.Bytes(), 0xC0000040}, // initialised data, read, write
	}

	const headers = 0x400
	img := make([]byte, headers)
	copy(img, "MZ")
	le.PutUint16(img[2:], 0x90)
	le.PutUint16(img[4:], 3)
	le.PutUint16(img[8:], 4)
	le.PutUint16(img[12:], 0xFFFF)
	le.PutUint16(img[16:], 0xB8)
	le.PutUint16(img[24:], 0x40)
	le.PutUint32(img[0x3C:], 0x80)
	stub := []byte{0x0E, 0x1F, 0xBA, 0x0E, 0x00, 0xB4, 0x09, 0xCD, 0x21, 0xB8, 0x01, 0x4C, 0xCD, 0x21}
	copy(img[0x40:], stub)
	copy(img[0x40+len(stub):], "This program cannot be run in DOS mode.\r\r\n$")

	pe := img[0x80:]
	copy(pe, "PE\x00\x00")
	coff := pe[4:]
	le.PutUint16(coff[0:], 0x8664)
	le.PutUint16(coff[2:], uint16(len(sections)))
	le.PutUint32(coff[4:], s.timestamp)
	le.PutUint16(coff[16:], 0xF0)
	le.PutUint16(coff[18:], 0x22)

	opt := coff[20:]
	le.PutUint16(opt[0:], 0x20B)
	opt[2], opt[3] = 14, 29
	le.PutUint32(opt[4:], uint32(align(len(text), fileAlign)))
	le.PutUint32(opt[8:], uint32(align(rd.Len(), fileAlign)+align(data.Len(), fileAlign)))
	le.PutUint32(opt[16:], textRVA)
	le.PutUint32(opt[20:], textRVA)
	le.PutUint64(opt[24:], 0x140000000)
	le.PutUint32(opt[32:], sectAlign)
	le.PutUint32(opt[36:], fileAlign)
	le.PutUint16(opt[40:], 6)
	le.PutUint16(opt[48:], 6)
	le.PutUint32(opt[56:], uint32(dataRVA+align(max(data.Len(), 1), sectAlign)))
	le.PutUint32(opt[60:], headers)
	subsystem := uint16(2)
	if s.console {
		subsystem = 3
	}
	le.PutUint16(opt[68:], subsystem)
	le.PutUint16(opt[70:], 0x8160)
	le.PutUint64(opt[72:], 0x100000)
	le.PutUint64(opt[80:], 0x1000)
	le.PutUint64(opt[88:], 0x100000)
	le.PutUint64(opt[96:], 0x1000)
	le.PutUint32(opt[108:], 16)
	dirs := opt[112:]
	le.PutUint32(dirs[8:], rdataRVA) // import directory
	le.PutUint32(dirs[12:], uint32(descSize))
	if nd > 0 {
		le.PutUint32(dirs[12*8:], uint32(rdataRVA+fixes[0].ilt+8*(len(s.imports[0].funcs)+1))) // IAT
		le.PutUint32(dirs[12*8+4:], 8*uint32(len(s.imports[0].funcs)+1))
	}

	sh := opt[0xF0:]
	offset := headers
	for i, sec := range sections {
		h := sh[40*i:]
		copy(h, sec.name)
		le.PutUint32(h[8:], uint32(max(len(sec.body), 1)))
		le.PutUint32(h[12:], uint32(sec.rva))
		raw := align(max(len(sec.body), 1), fileAlign)
		le.PutUint32(h[16:], uint32(raw))
		le.PutUint32(h[20:], uint32(offset))
		le.PutUint32(h[36:], sec.flags)
		offset += raw
	}
	for _, sec := range sections {
		body := make([]byte, align(max(len(sec.body), 1), fileAlign))
		copy(body, sec.body)
		img = append(img, body...)
	}
	return img
}
