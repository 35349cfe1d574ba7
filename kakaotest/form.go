package kakaotest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"golang.org/x/net/html"
)

// maxPage caps how much of an HTML page the form helpers read.
const maxPage = 1 << 20

// ErrNoForm is returned when a page has no form with the wanted button.
var ErrNoForm = errors.New("kakaotest: no form with that button")

// Form is one HTML form of a page, as a browser would submit it.
type Form struct {
	// Action is the absolute URL the form submits to.
	Action *url.URL
	// Method is GET or POST.
	Method string
	// Fields are the successful controls other than submit buttons: hidden
	// and text-like inputs, checked checkboxes and radios, textareas and
	// selects (their selected or first option). Disabled controls are left out.
	Fields url.Values
	// Buttons are the form's named submit buttons, in document order.
	Buttons []Button
}

// Button is a submit button: pressing it adds Name=Value to the submission.
type Button struct {
	Name, Value, Label string
}

// HasButton reports whether the form has a submit button name=value.
func (f *Form) HasButton(name, value string) bool {
	for _, b := range f.Buttons {
		if b.Name == name && b.Value == value {
			return true
		}
	}
	return false
}

// NewRequest builds the request a browser sends when button name=value is
// pressed (the button must exist).
func (f *Form) NewRequest(ctx context.Context, name, value string) (*http.Request, error) {
	if !f.HasButton(name, value) {
		return nil, fmt.Errorf("%w: %s=%s", ErrNoForm, name, value)
	}
	vals := url.Values{}
	for k, v := range f.Fields {
		vals[k] = append([]string(nil), v...)
	}
	vals.Add(name, value)
	if f.Method == http.MethodGet {
		u := *f.Action
		u.RawQuery = vals.Encode()
		return http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, f.Action.String(), strings.NewReader(vals.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req, nil
}

// ParseForms returns the forms of an HTML page; relative actions are
// resolved against base (the page's URL).
func ParseForms(page io.Reader, base *url.URL) ([]Form, error) {
	doc, err := html.Parse(io.LimitReader(page, maxPage))
	if err != nil {
		return nil, fmt.Errorf("kakaotest: parsing page: %w", err)
	}
	var forms []Form
	var walk func(n *html.Node, form int)
	walk = func(n *html.Node, form int) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "form":
				forms = append(forms, newForm(n, base))
				form = len(forms) - 1
			case "input", "button", "textarea", "select":
				if form >= 0 {
					forms[form].addControl(n)
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, form)
		}
	}
	walk(doc, -1)
	return forms, nil
}

// newForm reads a form element's action and method.
func newForm(n *html.Node, base *url.URL) Form {
	f := Form{Action: base, Method: http.MethodGet, Fields: url.Values{}}
	if a, ok := attr(n, "action"); ok && a != "" {
		if u, err := base.Parse(a); err == nil {
			f.Action = u
		}
	}
	if m, _ := attr(n, "method"); strings.EqualFold(m, "post") {
		f.Method = http.MethodPost
	}
	return f
}

// addControl adds one form control to f, as a browser would submit it.
func (f *Form) addControl(n *html.Node) {
	name, _ := attr(n, "name")
	if _, disabled := attr(n, "disabled"); disabled || name == "" {
		return
	}
	value, _ := attr(n, "value")
	typ, _ := attr(n, "type")
	typ = strings.ToLower(typ)
	switch n.Data {
	case "button":
		if typ == "" || typ == "submit" {
			f.Buttons = append(f.Buttons, Button{Name: name, Value: value, Label: strings.TrimSpace(text(n))})
		}
	case "textarea":
		f.Fields.Add(name, text(n))
	case "select":
		if v, ok := selectedOption(n); ok {
			f.Fields.Add(name, v)
		}
	default: // input
		switch typ {
		case "submit", "image":
			f.Buttons = append(f.Buttons, Button{Name: name, Value: value, Label: value})
		case "checkbox", "radio":
			if _, checked := attr(n, "checked"); checked {
				if _, ok := attr(n, "value"); !ok {
					value = "on"
				}
				f.Fields.Add(name, value)
			}
		case "button", "reset", "file":
		default:
			f.Fields.Add(name, value)
		}
	}
}

// selectedOption returns the value of a select's selected option, or of
// its first option.
func selectedOption(n *html.Node) (string, bool) {
	var first, chosen *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "option" {
				if first == nil {
					first = c
				}
				if _, ok := attr(c, "selected"); ok && chosen == nil {
					chosen = c
				}
			}
			walk(c)
		}
	}
	walk(n)
	if chosen == nil {
		chosen = first
	}
	if chosen == nil {
		return "", false
	}
	if v, ok := attr(chosen, "value"); ok {
		return v, true
	}
	return strings.TrimSpace(text(chosen)), true
}

// attr returns an attribute of n.
func attr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// text returns the text content of n.
func text(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

// readPage reads and closes page's body (up to 1 MiB) and puts a copy
// back, so the caller may still read it.
func readPage(page *http.Response) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(page.Body, maxPage))
	page.Body.Close()
	page.Body = io.NopCloser(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("kakaotest: reading page: %w", err)
	}
	return b, nil
}

// pageForms parses the forms of a response (its Request URL is the base).
func pageForms(page *http.Response) ([]Form, error) {
	b, err := readPage(page)
	if err != nil {
		return nil, err
	}
	base := &url.URL{}
	if page.Request != nil && page.Request.URL != nil {
		base = page.Request.URL
	}
	return ParseForms(bytes.NewReader(b), base)
}

// findForm returns the first form with button name=value.
func findForm(forms []Form, name, value string) (*Form, bool) {
	for i := range forms {
		if forms[i].HasButton(name, value) {
			return &forms[i], true
		}
	}
	return nil, false
}

// SubmitForm submits the form of page that has the submit button
// name=value, as a browser would on a click: its fields, plus name=value,
// to its action with its method, through client (so cookies and redirects
// follow the client's settings). It reads page's body and leaves a copy in
// its place. Give client a Timeout: the request has no other deadline.
func SubmitForm(client *http.Client, page *http.Response, name, value string) (*http.Response, error) {
	forms, err := pageForms(page)
	if err != nil {
		return nil, err
	}
	f, ok := findForm(forms, name, value)
	if !ok {
		return nil, fmt.Errorf("%w: %s=%s", ErrNoForm, name, value)
	}
	// Not page.Request's context: a client with a Timeout cancels it once
	// the page's body is read. The client's own timeout bounds the request.
	req, err := f.NewRequest(context.Background(), name, value)
	if err != nil {
		return nil, err
	}
	return client.Do(req)
}

// Login opens startURL with client (which should have a cookie jar) and
// walks the emulator's pages: on the login page it presses the button of
// userID, on a consent page it presses agree (keeping every box checked).
// It returns the first response that is neither page: usually where the
// redirect to the app's callback led, or the redirect itself if client
// does not follow it. Its body is readable.
func Login(client *http.Client, startURL string, userID int64) (*http.Response, error) {
	resp, err := client.Get(startURL)
	for step := 0; err == nil; step++ {
		if step == 8 {
			resp.Body.Close()
			return nil, errors.New("kakaotest: login: too many pages")
		}
		var forms []Form
		if forms, err = pageForms(resp); err != nil {
			return nil, err
		}
		user := itoa(userID)
		switch {
		case hasButtonNamed(forms, "user"):
			if _, ok := findForm(forms, "user", user); !ok {
				return nil, fmt.Errorf("kakaotest: login: user %d is not on the login page", userID)
			}
			resp, err = SubmitForm(client, resp, "user", user)
		case hasButtonNamed(forms, "consent"):
			resp, err = SubmitForm(client, resp, "consent", "agree")
		default:
			return resp, nil
		}
	}
	return nil, fmt.Errorf("kakaotest: login: %w", err)
}

// hasButtonNamed reports whether any form has a button called name.
func hasButtonNamed(forms []Form, name string) bool {
	for _, f := range forms {
		for _, b := range f.Buttons {
			if b.Name == name {
				return true
			}
		}
	}
	return false
}
