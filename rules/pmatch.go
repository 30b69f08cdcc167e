package rules

// pathTrie implements the pmatch operator: a value matches when one of the
// configured paths is a component-wise prefix of it. "/opt/dir" matches
// "/opt/dir" and "/opt/dir/x" but not "/opt/dir2". Empty components are
// ignored on both sides, so "/opt//dir/" is the path opt → dir. A component of
// a configured path may contain glob wildcards ('*', '?', "[...]"); they match
// within that one component only.
type pathTrie struct {
	root pathNode
}

type pathNode struct {
	terminal bool
	exact    map[string]*pathNode
	wild     []wildEdge
}

type wildEdge struct {
	pattern string
	node    *pathNode
}

func newPathTrie(paths []string) *pathTrie {
	t := &pathTrie{}
	for _, p := range paths {
		n := &t.root
		for rest := p; ; {
			var comp string
			comp, rest = nextComponent(rest)
			if comp == "" {
				break
			}
			n = n.child(comp)
		}
		n.terminal = true
	}
	return t
}

func (n *pathNode) child(comp string) *pathNode {
	if hasGlobMeta(comp) {
		for _, w := range n.wild {
			if w.pattern == comp {
				return w.node
			}
		}
		c := &pathNode{}
		n.wild = append(n.wild, wildEdge{pattern: comp, node: c})
		return c
	}
	if n.exact == nil {
		n.exact = make(map[string]*pathNode)
	}
	c := n.exact[comp]
	if c == nil {
		c = &pathNode{}
		n.exact[comp] = c
	}
	return c
}

// nextComponent returns the first non-empty '/'-separated component of p and
// the text after it; comp is empty when p has no more components.
func nextComponent(p string) (comp, rest string) {
	i := 0
	for i < len(p) && p[i] == '/' {
		i++
	}
	j := i
	for j < len(p) && p[j] != '/' {
		j++
	}
	return p[i:j], p[j:]
}

func (t *pathTrie) match(path string) bool { return t.root.match(path) }

func (n *pathNode) match(path string) bool {
	if n.terminal {
		return true
	}
	comp, rest := nextComponent(path)
	if comp == "" {
		return false
	}
	if c := n.exact[comp]; c != nil && c.match(rest) {
		return true
	}
	for i := range n.wild {
		if globMatch(n.wild[i].pattern, comp, false) && n.wild[i].node.match(rest) {
			return true
		}
	}
	return false
}
