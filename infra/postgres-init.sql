-- The Prefect server keeps its own database beside the sohoa catalog.
CREATE DATABASE prefect OWNER sohoa;
