package yara

import (
	"fmt"
	"math/rand"
	"testing"
)

// BenchmarkChoose5MB scores the strings of a 5 MB artifact against a
// goodware index of 100,000 strings (the target: under 2 s).
func BenchmarkChoose5MB(b *testing.B) {
	rng := rand.New(rand.NewSource(1))
	word := func() string {
		const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_./"
		n := 6 + rng.Intn(30)
		out := make([]byte, n)
		for i := range out {
			out[i] = letters[rng.Intn(len(letters))]
		}
		return string(out)
	}
	ix := NewIndex()
	for ix.Size < 100000 {
		ix.strings[word()] = true
		ix.Size = len(ix.strings)
	}
	art := make([]byte, 0, 5<<20)
	for len(art) < 5<<20 {
		if rng.Intn(4) == 0 {
			art = append(art, []byte(fmt.Sprintf("config/%s/%s.dat\x00", word(), word()))...)
		} else {
			chunk := make([]byte, 64)
			rng.Read(chunk)
			art = append(art, chunk...)
		}
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if len(choose(art, ix, nil)) == 0 {
			b.Fatal("no candidates")
		}
	}
}
