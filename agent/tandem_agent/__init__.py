"""The Tandem sync agent: reads an APS client export and sends it to Tandem."""
