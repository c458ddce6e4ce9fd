package repo

import "container/heap"

// dateQueue is git's date-ordered commit queue (a prio_queue compared by
// commit date): the newest first, equal dates in the order they were
// queued. log's streaming walk, its limited walk (--ancestry-path,
// --topo-order...) and describe all walk history through it.
type dateQueue[T any] struct {
	items []datedItem[T]
	seq   int
}

type datedItem[T any] struct {
	v    T
	when int64
	seq  int
}

// add queues v with its commit date.
func (q *dateQueue[T]) add(v T, when int64) {
	q.seq++
	heap.Push((*dateHeap[T])(q), datedItem[T]{v: v, when: when, seq: q.seq})
}

// next takes the newest entry off the queue; the queue must not be empty.
func (q *dateQueue[T]) next() T {
	return heap.Pop((*dateHeap[T])(q)).(datedItem[T]).v
}

// Len is how many entries are queued.
func (q *dateQueue[T]) Len() int { return len(q.items) }

// newest is the date of the entry next returns; the queue must not be
// empty.
func (q *dateQueue[T]) newest() int64 { return q.items[0].when }

// each calls fn for every queued entry, in no order, until fn is false.
func (q *dateQueue[T]) each(fn func(T) bool) {
	for _, it := range q.items {
		if !fn(it.v) {
			return
		}
	}
}

// dateHeap is dateQueue as container/heap sees it.
type dateHeap[T any] dateQueue[T]

func (h *dateHeap[T]) Len() int { return len(h.items) }
func (h *dateHeap[T]) Less(i, j int) bool {
	if a, b := h.items[i], h.items[j]; a.when != b.when {
		return a.when > b.when
	}
	return h.items[i].seq < h.items[j].seq
}
func (h *dateHeap[T]) Swap(i, j int) { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *dateHeap[T]) Push(x any)    { h.items = append(h.items, x.(datedItem[T])) }
func (h *dateHeap[T]) Pop() any {
	x := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return x
}
