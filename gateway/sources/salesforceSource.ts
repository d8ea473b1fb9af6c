/**
 * Salesforce outbound messages (`salesforce` triggers): a SOAP `notifications` envelope of 1–100 notifications, each
 * with its own id and one sObject. Salesforce signs nothing: the organization id must be the trigger's (and the token
 * in the URL, when the trigger names one). It resends until it gets the Ack, out of order and for up to 24 hours, so
 * the notification id names the run. sObject fields arrive as JSON with their WSDL names; values stay strings as sent,
 * `xsi:nil` fields are null.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { SalesforceTrigger } from '../../flow/eventTriggers';
import type { TriggerRecord } from '../../store/triggerRegistry';
import { HttpError } from '../errors';
import { Accepted, PushedAnswer, SourceAdapter, tokenAccepted } from './pushed';

export const SALESFORCE_ACK =
  '<?xml version="1.0" encoding="UTF-8"?>' +
  '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>' +
  '<notificationsResponse xmlns="http://soap.sforce.com/2005/09/outbound"><Ack>true</Ack></notificationsResponse>' +
  '</soapenv:Body></soapenv:Envelope>';

const ack = (): PushedAnswer => ({ status: 200, contentType: 'text/xml; charset=utf-8', body: SALESFORCE_ACK });

/** One notification as the run receives it. */
export interface SalesforceNotification {
  OrganizationId: string;
  ActionId?: string;
  SessionId?: string | null;
  EnterpriseUrl?: string;
  PartnerUrl?: string;
  Notification: { Id: string; sObject: Record<string, unknown> & { type: string } };
}

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  processEntities: true,
  isArray: (_name, path) => path === 'Envelope.Body.notifications.Notification',
});

type Node = string | { '#text'?: string; '@nil'?: string; [field: string]: unknown };

/** An element as JSON: its text, null when `xsi:nil`, an object of its children otherwise (attributes dropped). */
function plain(node: unknown): unknown {
  if (typeof node !== 'object' || node === null) return node;
  if (Array.isArray(node)) return node.map(plain);
  const element = node as Exclude<Node, string>;
  if (element['@nil'] === 'true') return null;
  const children = Object.entries(element).filter(([name]) => !name.startsWith('@'));
  if (children.length === 1 && children[0][0] === '#text') return children[0][1];
  return Object.fromEntries(children.map(([name, value]) => [name, plain(value)]));
}

function text(node: unknown): string | undefined {
  const value = plain(node);
  return typeof value === 'string' ? value : undefined;
}

/** Parses an outbound message; 400 naming what is missing. */
export function parseOutboundMessage(raw: Buffer): SalesforceNotification[] {
  const xml = raw.toString('utf8');
  // Entity declarations are where XML bombs live; Salesforce never sends a DOCTYPE.
  if (/<!DOCTYPE/i.test(xml)) throw new HttpError(400, 'invalid_body', 'a DOCTYPE is not accepted');
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new HttpError(
      400,
      'invalid_body',
      `not XML: ${valid.err.msg} (line ${valid.err.line}, column ${valid.err.col})`,
    );
  let parsed:
    { Envelope?: { Body?: { notifications?: Record<string, unknown> & { Notification?: unknown[] } } } } | undefined;
  try {
    parsed = parser.parse(xml) as typeof parsed;
  } catch (error) {
    // The parser's own limits (nesting, for one) are the sender's fault, like any malformed body.
    throw new HttpError(400, 'invalid_body', `not a readable SOAP envelope: ${(error as Error).message}`);
  }
  const notifications = parsed?.Envelope?.Body?.notifications;
  if (!notifications || typeof notifications !== 'object')
    throw new HttpError(400, 'invalid_body', 'not a SOAP envelope holding Salesforce <notifications>');
  const organizationId = text(notifications.OrganizationId);
  if (!organizationId) throw new HttpError(400, 'invalid_body', '<OrganizationId> is missing');
  const list = notifications.Notification ?? [];
  if (list.length === 0) throw new HttpError(400, 'invalid_body', 'no <Notification>');
  return list.map((entry, index) => {
    const notification = entry as { Id?: unknown; sObject?: { '@type'?: string } };
    const id = text(notification.Id);
    const sObject = notification.sObject;
    if (!id) throw new HttpError(400, 'invalid_body', `Notification[${index}] has no <Id>`);
    if (!sObject || typeof sObject !== 'object')
      throw new HttpError(400, 'invalid_body', `Notification[${index}] has no <sObject>`);
    const type = (sObject['@type'] ?? '').replace(/^.*:/, '');
    return {
      OrganizationId: organizationId,
      ActionId: text(notifications.ActionId),
      SessionId: notifications.SessionId === undefined ? undefined : (plain(notifications.SessionId) as string | null),
      EnterpriseUrl: text(notifications.EnterpriseUrl),
      PartnerUrl: text(notifications.PartnerUrl),
      Notification: { Id: id, sObject: { type, ...(plain(sObject) as Record<string, unknown>) } },
    };
  });
}

/** 15- and 18-character ids of one organization share their first 15 characters. */
const sameOrganization = (a: string, b: string) => a.slice(0, 15) === b.slice(0, 15);

export const salesforceSource: SourceAdapter = {
  async accept(delivery, subscribers, secrets): Promise<Accepted> {
    const notifications = parseOutboundMessage(delivery.raw);
    const organizationId = notifications[0].OrganizationId;
    const accepted: Array<{ record: TriggerRecord; trigger: SalesforceTrigger }> = [];
    for (const record of subscribers) {
      const trigger = record.trigger as SalesforceTrigger;
      if (
        sameOrganization(trigger.organizationId, organizationId) &&
        (await tokenAccepted(delivery, trigger.tokenVariable, secrets))
      )
        accepted.push({ record, trigger });
    }
    if (accepted.length === 0)
      throw new HttpError(401, 'unauthorized', 'unknown organization, or a missing or wrong token');
    const matched = accepted.map(({ record, trigger }) => ({
      record,
      events: notifications
        .filter((notification) => !trigger.objects || trigger.objects.includes(notification.Notification.sObject.type))
        .map((notification) => ({
          key: `notification:${notification.Notification.Id}`,
          source: `salesforce ${delivery.source} ${notification.Notification.sObject.type}`,
          payload: notification,
        })),
    }));
    return { matched, answer: ack };
  },
};
