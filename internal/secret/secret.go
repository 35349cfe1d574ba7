// Package secret holds the rules every operator-supplied secret of kakaogate follows (cookie
// secrets, the assertion signing secret, the admin token): their minimum length and their
// conversion to the byte slices the cryptographic libraries take.
package secret

// MinLen is the shortest secret accepted, in bytes: 256 bits, enough for HMAC-SHA256 keys and
// for bearer tokens that cannot be guessed.
const MinLen = 32

// Bytes converts secrets, in order, to byte slices (newest first is the convention of every
// rotating secret list in kakaogate).
func Bytes(secrets []string) [][]byte {
	out := make([][]byte, len(secrets))
	for i, s := range secrets {
		out[i] = []byte(s)
	}
	return out
}
