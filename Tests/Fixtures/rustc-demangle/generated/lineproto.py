"""Runs a demangler speaking the line protocol of oracle.rs and parses its answers."""
import re, subprocess

_ESCAPE = re.compile(r'\\(.)')


def unescape(text):
    return _ESCAPE.sub(lambda m: {'n': '\n', 't': '\t', '\\': '\\'}[m.group(1)], text)


def run(tool, symbols):
    """[(display, alternate) or None] for each symbol."""
    data = ''.join(s + '\n' for s in symbols)
    lines = subprocess.run([tool], input=data, capture_output=True, text=True, check=True).stdout.split('\n')
    answers = []
    for line in lines[:len(symbols)]:
        fields = line.split('\t')
        answers.append(None if fields[0] == 'ERR' else (unescape(fields[1]), unescape(fields[2])))
    return answers
