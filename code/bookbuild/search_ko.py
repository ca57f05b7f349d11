"""Search for the Korean edition: each word, and each word without its
particle.

Sphinx has no Korean search language. Korean writes a particle onto the
noun it marks (야코비안은, 야코비안을, 야코비안의), so a splitter that
cuts at spaces alone indexes "야코비안을" and a search for 야코비안
finds nothing. This splitter also indexes every Hangul word without the
longest particle it ends with (the word itself is kept too, so nothing
is lost when the ending was not a particle). Words in other scripts are
indexed as the English search does, lower-cased, without stemming.
"""

import re

from sphinx.search import SearchLanguage

HANGUL = re.compile(r"[\uac00-\ud7a3]")

#: Particles and endings written onto a noun, longest first.
PARTICLES = sorted("""
에서는 에서의 으로는 으로서 으로써 에게서 이라는 이라고 이라면 이므로
에서 에게 으로 까지 부터 마다 보다 처럼 만큼 이나 이며 이고 이다 라는
라고 하고 와는 과는 에는 에도 로는 와의 과의 이란 란
의 은 는 이 가 을 를 에 와 과 도 만 로 며
""".split(), key=len, reverse=True)


def without_particle(word):
    """The word without the longest particle it ends with, if at least
    two letters are left; else None."""
    for particle in PARTICLES:
        if word.endswith(particle) and len(word) - len(particle) >= 2:
            return word[:-len(particle)]
    return None


class SearchKorean(SearchLanguage):
    lang = "ko"
    language_name = "Korean"

    def split(self, input):
        words = []
        for word in self._word_re.findall(input):
            words.append(word)
            if HANGUL.search(word):
                stem = without_particle(word)
                if stem:
                    words.append(stem)
        return words

    def word_filter(self, word):
        return len(word) > 1 or bool(HANGUL.search(word))

    def stem(self, word):
        return word.lower()
