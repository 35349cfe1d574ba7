package session

import "time"

// expiring is an element of an expiryHeap: it knows when it expires and where it sits.
type expiring interface {
	expiresAt() time.Time
	setIndex(i int)
}

// expiryHeap is a min-heap of elements by expiry time, for container/heap. It keeps each
// element's index current so heap.Fix and heap.Remove can address it; a popped element's
// index is -1.
type expiryHeap[T expiring] []T

func (h expiryHeap[T]) Len() int           { return len(h) }
func (h expiryHeap[T]) Less(i, j int) bool { return h[i].expiresAt().Before(h[j].expiresAt()) }
func (h expiryHeap[T]) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].setIndex(i)
	h[j].setIndex(j)
}

// Push appends x (a T) to the heap's storage.
func (h *expiryHeap[T]) Push(x any) {
	e := x.(T)
	e.setIndex(len(*h))
	*h = append(*h, e)
}

// Pop removes the last element of the heap's storage.
func (h *expiryHeap[T]) Pop() any {
	old := *h
	e := old[len(old)-1]
	var zero T
	old[len(old)-1] = zero
	*h = old[:len(old)-1]
	e.setIndex(-1)
	return e
}
