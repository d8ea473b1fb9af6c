// Globals a Nectar code node sees (README, "Writing a code node"). Loaded into the editor as text, never compiled.
interface NectarContext {
  /** How the run started. */
  trigger: { type: string; source: string; payload: any };
  workflowContext: {
    workflowId: string;
    runId: string;
    nodeId: string;
    flowId: string;
    flowVersion: number;
    attempt: number;
    draft?: number;
  };
  /** Results of the nodes that ran before this one, by node id. */
  steps: NectarSteps;
  /** Workspace variables and allowed host variables. */
  env: Record<string, string | undefined>;
}
declare const context: NectarContext & NectarSteps;
declare const env: Record<string, string | undefined>;

interface AxiosResponse<T = any> {
  status: number;
  statusText: string;
  headers: Record<string, string>;
  data: T;
}
interface AxiosRequestConfig {
  url?: string;
  method?: string;
  baseURL?: string;
  headers?: Record<string, string>;
  params?: Record<string, unknown>;
  data?: unknown;
  timeout?: number;
  responseType?: 'json' | 'text';
  auth?: { username: string; password: string };
}
interface AxiosInstance {
  request<T = any>(config: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  get<T = any>(url: string, config?: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  delete<T = any>(url: string, config?: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  head<T = any>(url: string, config?: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  post<T = any>(url: string, data?: unknown, config?: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  put<T = any>(url: string, data?: unknown, config?: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  patch<T = any>(url: string, data?: unknown, config?: AxiosRequestConfig): Promise<AxiosResponse<T>>;
  create(config?: AxiosRequestConfig): AxiosInstance;
}
/** HTTP client (axios API) run by the worker; only JSON copies cross into the node. */
declare const axios: AxiosInstance;

interface Moment {
  format(pattern?: string): string;
  add(amount: number, unit: string): Moment;
  subtract(amount: number, unit: string): Moment;
  startOf(unit: string): Moment;
  endOf(unit: string): Moment;
  diff(other: Moment | Date | string, unit?: string): number;
  isBefore(other: Moment | Date | string): boolean;
  isAfter(other: Moment | Date | string): boolean;
  toISOString(): string;
  toDate(): Date;
  valueOf(): number;
  tz(zone: string): Moment;
  utc(): Moment;
}
interface MomentStatic {
  (input?: string | number | Date | Moment, format?: string): Moment;
  utc(input?: string | number | Date): Moment;
  duration(amount: number, unit?: string): { asMilliseconds(): number; humanize(): string };
  /** moment-timezone: a time in a zone. */
  tz: ((input: string | number | Date, zone: string) => Moment) & { names(): string[]; guess(): string };
}
declare const moment: MomentStatic;

interface WordArray {
  toString(encoder?: unknown): string;
  sigBytes: number;
}
interface CryptoJSStatic {
  MD5(message: string): WordArray;
  SHA1(message: string): WordArray;
  SHA256(message: string): WordArray;
  SHA512(message: string): WordArray;
  HmacSHA256(message: string, key: string): WordArray;
  HmacSHA512(message: string, key: string): WordArray;
  AES: {
    encrypt(message: string, key: string): { toString(): string };
    decrypt(cipher: string, key: string): WordArray;
  };
  enc: { Hex: unknown; Base64: unknown; Utf8: unknown };
  lib: { WordArray: { random(bytes: number): WordArray } };
}
declare const CryptoJS: CryptoJSStatic;
/** CryptoJS, also under the name `crypto`. */
declare const crypto: CryptoJSStatic & { getRandomValues<T extends ArrayBufferView>(array: T): T };

interface MailOptions {
  from?: string;
  to: string | string[];
  cc?: string | string[];
  bcc?: string | string[];
  subject?: string;
  text?: string;
  html?: string;
  replyTo?: string;
}
interface Transporter {
  sendMail(options: MailOptions): Promise<{ messageId: string; accepted: string[]; rejected: string[] }>;
}
declare const nodemailer: {
  createTransport(
    options:
      | string
      | { host?: string; port?: number; secure?: boolean; service?: string; auth?: { user: string; pass: string } },
  ): Transporter;
  createTransporter(
    options:
      | string
      | { host?: string; port?: number; secure?: boolean; service?: string; auth?: { user: string; pass: string } },
  ): Transporter;
};

declare class ObjectId {
  constructor(hex?: string);
  toString(): string;
  toHexString(): string;
  toJSON(): string;
  equals(other: ObjectId | string): boolean;
}
interface Cursor<T> {
  sort(spec: object): Cursor<T>;
  limit(n: number): Cursor<T>;
  skip(n: number): Cursor<T>;
  project(spec: object): Cursor<T>;
  toArray(): Promise<T[]>;
  next(): Promise<T | null>;
}
interface Collection<T = any> {
  find(filter?: object, options?: object): Cursor<T>;
  findOne(filter?: object, options?: object): Promise<T | null>;
  insertOne(doc: object): Promise<{ insertedId: ObjectId }>;
  insertMany(docs: object[]): Promise<{ insertedIds: Record<number, ObjectId>; insertedCount: number }>;
  updateOne(filter: object, update: object, options?: object): Promise<{ matchedCount: number; modifiedCount: number }>;
  updateMany(
    filter: object,
    update: object,
    options?: object,
  ): Promise<{ matchedCount: number; modifiedCount: number }>;
  replaceOne(filter: object, doc: object, options?: object): Promise<{ matchedCount: number; modifiedCount: number }>;
  deleteOne(filter: object): Promise<{ deletedCount: number }>;
  deleteMany(filter: object): Promise<{ deletedCount: number }>;
  countDocuments(filter?: object): Promise<number>;
  distinct(field: string, filter?: object): Promise<unknown[]>;
  aggregate(pipeline: object[]): { toArray(): Promise<any[]> };
  findOneAndUpdate(filter: object, update: object, options?: object): Promise<T | null>;
  findOneAndDelete(filter: object, options?: object): Promise<T | null>;
  findOneAndReplace(filter: object, doc: object, options?: object): Promise<T | null>;
  bulkWrite(operations: object[]): Promise<object>;
  createIndex(spec: object, options?: object): Promise<string>;
}
declare class MongoClient {
  constructor(uri: string, options?: object);
  static connect(uri: string, options?: object): Promise<MongoClient>;
  connect(): Promise<MongoClient>;
  db(name?: string): { collection<T = any>(name: string): Collection<T> };
  close(): Promise<void>;
}
