"""Import of FIM XDatenfelder schemas as form definitions: `importer` is the entry point,
`reader` parses the XML, `parsers`, `fields` and `codelists` map its parts."""
