package session

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"hash"
	"sync"
	"time"
)

// Decode failures (securecookie's meanings, so a mixed fleet logs alike).
var (
	errCookieBase64    = errors.New("base64 decode failed")
	errCookieMAC       = errors.New("the value is not valid")
	errCookieTimestamp = errors.New("invalid timestamp")
	errCookieExpired   = errors.New("expired timestamp")
	errCookieDecrypt   = errors.New("the value could not be decrypted")
)

// cookieKey verifies and decrypts the values of one secret: the HMAC-SHA256 instances are
// pooled (keyed once, Reset between uses) and the AES block is expanded once, where
// securecookie.Decode builds a new HMAC on every call.
type cookieKey struct {
	block cipher.Block
	macs  sync.Pool // of hash.Hash: HMAC-SHA256 under the hash key
}

func newCookieKey(hashKey, blockKey []byte) (*cookieKey, error) {
	block, err := aes.NewCipher(blockKey)
	if err != nil {
		return nil, err
	}
	k := &cookieKey{block: block}
	k.macs.New = func() any { return hmac.New(sha256.New, hashKey) }
	return k, nil
}

// mac computes the HMAC of msg into out (sha256.Size bytes).
func (k *cookieKey) mac(msg, out []byte) []byte {
	h := k.macs.Get().(hash.Hash)
	h.Reset()
	h.Write(msg)
	out = h.Sum(out[:0])
	k.macs.Put(h)
	return out
}

// decodeBuffer is decodeValue's working memory, pooled: enough for the usual cookie values
// of a few hundred bytes (longer ones get a buffer of their own).
type decodeBuffer struct {
	b        [1536]byte
	sum      [sha256.Size]byte
	ctr, pad [aes.BlockSize]byte
}

var decodeBuffers = sync.Pool{New: func() any { return new(decodeBuffer) }}

// decodeValue reverses securecookie's Encode (with the NopEncoder) for the cookie called
// name, byte for byte as securecookie.DecodeMulti over one codec per key would: the value is
// base64url (padded) of "<unix time>|<base64url(iv || AES-CTR ciphertext)>|<HMAC-SHA256 of
// name|<unix time>|<ciphertext part>>". The first key whose MAC matches is used; the value
// must be at most maxAge seconds old. The caller checks the length first.
func decodeValue(keys []*cookieKey, maxAge int64, name, value string) ([]byte, error) {
	// One buffer holds a copy of value (the
	// base64 decoder reads bytes), "name|" followed by the decoded value (the MAC's input),
	// and the decoded ciphertext.
	prefix := len(name) + 1
	decoded := base64.URLEncoding.DecodedLen(len(value))
	need := len(value) + prefix + 2*decoded
	scratchBuf := decodeBuffers.Get().(*decodeBuffer)
	defer decodeBuffers.Put(scratchBuf)
	buf := scratchBuf.b[:]
	if need > len(buf) {
		buf = make([]byte, need)
	}
	enc := buf[:copy(buf, value)]
	scratch := buf[len(value) : len(value)+prefix+decoded]
	copy(scratch, name)
	scratch[len(name)] = '|'
	n, err := base64.URLEncoding.Decode(scratch[prefix:], enc)
	if err != nil {
		return nil, errCookieBase64
	}
	b := scratch[prefix : prefix+n]
	// "date|value|mac": mac is everything after the second '|'.
	i := bytes.IndexByte(b, '|')
	if i < 0 {
		return nil, errCookieMAC
	}
	j := bytes.IndexByte(b[i+1:], '|')
	if j < 0 {
		return nil, errCookieMAC
	}
	j += i + 1
	date, body, mac := b[:i], b[i+1:j], b[j+1:]
	var key *cookieKey
	for _, k := range keys {
		got := k.mac(scratch[:prefix+j], scratchBuf.sum[:])
		if len(mac) == len(got) && subtle.ConstantTimeCompare(mac, got) == 1 {
			key = k
			break
		}
	}
	if key == nil {
		return nil, errCookieMAC
	}
	t, ok := parseInt64(date)
	if !ok {
		return nil, errCookieTimestamp
	}
	if t < time.Now().UTC().Unix()-maxAge {
		return nil, errCookieExpired
	}
	ct := buf[len(value)+prefix+decoded:]
	m, err := base64.URLEncoding.Decode(ct, body)
	if err != nil {
		return nil, errCookieBase64
	}
	size := aes.BlockSize
	if m <= size {
		return nil, errCookieDecrypt
	}
	out := make([]byte, m-size)
	ctrXOR(key.block, scratchBuf, ct[:size], out, ct[size:m])
	return out, nil
}

// ctrXOR is cipher.NewCTR(block, iv).XORKeyStream(dst, src) for an AES block, without the
// stream's allocations: the counter block starts at iv and is incremented as one big-endian
// 128-bit number.
func ctrXOR(block cipher.Block, w *decodeBuffer, iv, dst, src []byte) {
	copy(w.ctr[:], iv)
	for len(src) > 0 {
		block.Encrypt(w.pad[:], w.ctr[:])
		n := subtle.XORBytes(dst, src, w.pad[:])
		dst, src = dst[n:], src[n:]
		for i := len(w.ctr) - 1; i >= 0; i-- {
			w.ctr[i]++
			if w.ctr[i] != 0 {
				break
			}
		}
	}
}

// parseInt64 is strconv.ParseInt(string(b), 10, 64) without the string: an optional sign
// and decimal digits, refusing anything else and overflow.
func parseInt64(b []byte) (int64, bool) {
	neg := false
	if len(b) > 0 && (b[0] == '+' || b[0] == '-') {
		neg = b[0] == '-'
		b = b[1:]
	}
	if len(b) == 0 {
		return 0, false
	}
	var u uint64
	const limit = 1 << 63
	for _, c := range b {
		d := uint64(c - '0')
		if d > 9 || u > (limit-d)/10 {
			return 0, false
		}
		u = u*10 + d
	}
	if !neg && u == limit {
		return 0, false
	}
	if neg {
		return -int64(u), true // u == 1<<63 wraps to math.MinInt64, as ParseInt allows
	}
	return int64(u), true
}
