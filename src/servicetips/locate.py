"""Find where a front-matter key or value stands in the file, lazily.

Parsing keeps no positions (the fast C loader builds plain objects), so only
a file that has a problem pays for composing its YAML node tree, whose nodes
carry `start_mark`s. Lines count the opening `---` as line 1.
"""

from __future__ import annotations

from collections.abc import Sequence

import yaml

from .load import TipYamlLoader

Position = tuple[int, int]
PathItem = str | int


class FrontMatterLocator:
    """Maps a key path such as ('tags', 1) to a (line, col) in the tip file."""

    def __init__(self, front_matter: str, first_line: int = 2):
        self._text = front_matter
        self._offset = first_line - 1
        self._root: yaml.Node | None = None
        self._composed = False

    def _tree(self) -> yaml.Node | None:
        if not self._composed:
            self._composed = True
            try:
                self._root = yaml.compose(self._text, Loader=TipYamlLoader)
            except (yaml.YAMLError, RecursionError):
                self._root = None
        return self._root

    def _position(self, node: yaml.Node) -> Position:
        return node.start_mark.line + 1 + self._offset, node.start_mark.column + 1

    def locate(self, path: Sequence[PathItem], *, key: bool = False) -> Position:
        """Position of the value at `path` (or of its key, with key=True); the nearest parent if absent."""
        node = self._tree()
        fallback: Position = (1, 1)
        if node is None:
            return fallback
        for depth, item in enumerate(path):
            last = depth == len(path) - 1
            if isinstance(node, yaml.MappingNode):
                for key_node, value_node in node.value:
                    if key_node.value == item or str(key_node.value) == str(item):
                        fallback = self._position(key_node)
                        if last and key:
                            return fallback
                        node = value_node
                        break
                else:
                    return fallback
            elif isinstance(node, yaml.SequenceNode) and isinstance(item, int) and 0 <= item < len(node.value):
                node = node.value[item]
            else:
                return self._position(node)
        return self._position(node)
