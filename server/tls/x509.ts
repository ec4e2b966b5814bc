/**
 * @peculiar/x509 needs the Reflect metadata polyfill loaded before it; importing it through this
 * module keeps that ordering in one place (and keeps the polyfill out of the server, which never
 * generates certificates).
 */
import "reflect-metadata";
export * from "@peculiar/x509";
