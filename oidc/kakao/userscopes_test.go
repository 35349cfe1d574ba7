package kakao

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"testing"
)

func TestScopes(t *testing.T) {
	f := newFakeKapi(t, answer{body: `{"id":123456789,"scopes":[
		{"id":"profile_nickname","display_name":"닉네임","type":"PRIVACY","using":true,"agreed":true,"revocable":false},
		{"id":"account_email","display_name":"카카오계정(이메일)","type":"PRIVACY","using":true,"agreed":false},
		{"id":"talk_message","display_name":"카카오톡 메시지 전송","type":"SERVICE","using":true,"agreed":true,"revocable":true}]}`})
	got, err := f.api().Scopes(context.Background(), testToken)
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != 123456789 || !slices.Equal(got.Agreed(), []string{"profile_nickname", "talk_message"}) {
		t.Fatalf("Scopes = %+v, agreed %v", got, got.Agreed())
	}
	req := f.only(t)
	if req.method != http.MethodGet || req.path != "/v2/user/scopes" || req.header.Get("Authorization") != "Bearer "+testToken {
		t.Fatalf("request = %+v", req)
	}
}

func TestScopesInvalidToken(t *testing.T) {
	f := newFakeKapi(t, answer{status: http.StatusUnauthorized, body: `{"msg":"this access token does not exist","code":-401}`})
	if _, err := f.api().Scopes(context.Background(), testToken); !errors.Is(err, ErrTokenInvalid) {
		t.Fatalf("err = %v, want ErrTokenInvalid", err)
	}
}
